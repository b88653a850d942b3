// Runs the Java CLI (`parley`) against a test server with its own profile directory.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI_JAR } from "../server";

export function cliProfile(): string {
  return mkdtempSync(join(tmpdir(), "parley-web-cli-"));
}

export function startCli(profile: string, args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn("java", ["-jar", CLI_JAR, "--profile", profile, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((ok) => child.on("exit", ok));
  return { child, output: () => out, exited };
}

/** Runs a CLI command to its end; rejects with its output when it fails. */
export async function cli(profile: string, args: string[]): Promise<string> {
  const run = startCli(profile, args);
  const code = await run.exited;
  if (code !== 0) throw new Error(`parley ${args.join(" ")} exited with ${code}:\n${run.output()}`);
  return run.output();
}

export async function waitForOutput(run: { output: () => string; exited: Promise<number | null> }, pattern: RegExp, ms = 60_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const match = pattern.exec(run.output());
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in the CLI's output:\n${run.output()}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}
