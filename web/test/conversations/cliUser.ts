// A CLI user for interop tests: the real `parley` command (the CLI jar) with its own profile,
// run once per command as a person would.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI_JAR } from "../server";

export interface CliUser {
  username: string;
  /** Runs `parley COMMAND ARGS... --profile DIR`; resolves with stdout, rejects with stderr on a non-zero exit. */
  run(args: string[], stdin?: string): Promise<string>;
  remove(): void;
}

export async function cliUser(serverUrl: string, username: string): Promise<CliUser> {
  const profile = mkdtempSync(join(tmpdir(), `parley-cli-${username}-`));
  const run = (args: string[], stdin?: string) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn("java", ["-jar", CLI_JAR, ...args, `--profile=${profile}`], { stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (c: Buffer) => (out += c.toString()));
      child.stderr.on("data", (c: Buffer) => (err += c.toString()));
      child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`parley ${args.join(" ")} exited ${code}: ${err}${out}`))));
      child.stdin.end(stdin ?? "");
    });
  await run(["register", `--server=${serverUrl}`, username]);
  return { username, run, remove: () => rmSync(profile, { recursive: true, force: true }) };
}
