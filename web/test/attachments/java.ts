// Runs a one-file Java program of these tests against the Java client classes in the CLI jar
// (java's source launcher, JEP 330), so that interop tests meet the real Java code, not a copy.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { CLI_JAR } from "../server";

export interface JavaResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runJava(source: string, args: string[], stdin = ""): Promise<JavaResult> {
  if (!existsSync(CLI_JAR)) {
    throw new Error(`${CLI_JAR} is missing: run ./mvnw -B -q -pl cli -am package -DskipTests first`);
  }
  return new Promise((ok, fail) => {
    const child = spawn("java", ["-cp", CLI_JAR, source, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", fail);
    child.on("exit", (code) => ok({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
