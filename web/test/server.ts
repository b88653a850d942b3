// Starts a real Parley server (the CLI jar built by Maven) on a free loopback port for tests that
// talk to it, and runs `parley` commands against it. Build the jar first:
//   ./mvnw -B -q -pl cli -am package -DskipTests
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(__dirname, "../..");
export const CLI_JAR = join(REPO, "cli/target/parley.jar");

export interface TestServer {
  url: string; // http://127.0.0.1:PORT
  wsUrl: string; // ws://127.0.0.1:PORT/v1/ws
  dataDir: string;
  stop(): Promise<void>;
}

export async function startServer(extraArgs: string[] = []): Promise<TestServer> {
  if (!existsSync(CLI_JAR)) {
    throw new Error(`${CLI_JAR} is missing: run ./mvnw -B -q -pl cli -am package -DskipTests first`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), "parley-web-test-"));
  // No UDP relay unless a test asks for one: the default UDP port would collide between test files
  // running at once, and the browser's media path is the WebSocket.
  const mediaPort = extraArgs.some((arg) => arg.startsWith("--media-port")) ? [] : ["--media-port", "0"];
  const args = ["-jar", CLI_JAR, "server", "--listen", "127.0.0.1:0", "--data", dataDir, ...mediaPort, ...extraArgs];
  const child = spawn("java", args, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const port = await new Promise<number>((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${out}`)), 60_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on https?:\/\/[^:\s]+:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        ok(Number(match[1]));
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("exit", (code) => fail(new Error(`server exited with ${code}:\n${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/v1/ws`,
    dataDir,
    stop: () => stopProcess(child).then(() => rmSync(dataDir, { recursive: true, force: true })),
  };
}

export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    child.once("exit", () => ok());
    child.kill("SIGTERM");
  });
}
