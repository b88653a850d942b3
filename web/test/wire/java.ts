// Runs Parley's Java classes on the tests' inputs through WireFixture.java (one JVM for a batch).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { CLI_JAR } from "../server";

export async function java(commands: string[]): Promise<string[]> {
  const child = spawn("java", ["-cp", CLI_JAR, join(__dirname, "WireFixture.java")], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  child.stdin.end(commands.join("\n") + "\n");
  const code = await new Promise<number | null>((ok) => child.on("exit", ok));
  if (code !== 0) throw new Error(`WireFixture.java failed (${code}): ${err}`);
  const lines = out.trim().split("\n");
  if (lines.length !== commands.length) throw new Error(`WireFixture.java answered ${lines.length} lines to ${commands.length} commands: ${err}`);
  return lines;
}
