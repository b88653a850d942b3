// The browser tests' world: a real Parley server (the CLI jar Maven builds) on a free loopback port
// with a temporary data folder, serving this checkout's web/dist, and CLI users driven through
// `parley daemon --jsonrpc`, each with a profile of their own. Everything started here is stopped
// by the fixture's teardown, also when a test fails.
//
//   ./mvnw -B -q -pl cli -am package -DskipTests   # the jar, once
//   npm run build                                 # web/dist, after each change to the app
//   npx playwright test e2e/some.spec.ts
import { test as base, expect } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const WEB = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO = resolve(WEB, "..");
/** Maven's webtest module names the jar of its build (-Dparley.target may move it). */
export const CLI_JAR = process.env.PARLEY_CLI_JAR ?? join(REPO, "cli/target/parley.jar");
export const DIST = join(WEB, "dist");
/** Where the server looks for the app on its class path (org.parley.server.web.WebApp). */
const APP_RESOURCE_DIR = "org/parley/web/app";
/**
 * How long a server or a CLI daemon may take to come up (a JVM start, a TLS handshake, signing in):
 * generous, since two tests run at once on a 2-core machine that other work may share.
 */
const START_TIMEOUT_MS = 120_000;
/** How long a CLI user waits for a JSON-RPC answer or a notification unless told otherwise. */
export const DEFAULT_WAIT_MS = 60_000;

export interface ServerOptions {
  /** UDP port of the call relay; 0 (the default) serves calls over the WebSocket only, as browsers use it. */
  mediaPort?: number;
  /** More `parley server` flags, e.g. ["--max-attachment-mb", "1"]. */
  extraArgs?: string[];
}

/** A running `parley server`. stop() and start() again keep its data folder and port. */
export class ParleyServer {
  private child: ChildProcess | null = null;
  private output = "";

  private constructor(
    readonly dataDir: string,
    private readonly classPathDir: string,
    private readonly options: ServerOptions,
    private port: number,
  ) {}

  /** Starts a server on a free loopback port, serving the app in web/dist. */
  static async start(options: ServerOptions = {}): Promise<ParleyServer> {
    for (const [path, fix] of [
      [CLI_JAR, "run ./mvnw -B -q -pl cli -am package -DskipTests in the repository"],
      [join(DIST, "index.html"), "run npm run build in web/"],
    ]) {
      if (!existsSync(path)) throw new Error(`${path} is missing: ${fix}`);
    }
    const dataDir = mkdtempSync(join(tmpdir(), "parley-e2e-server-"));
    // web/dist goes first on the class path, so the server serves this checkout's build and not
    // the copy inside the jar, which is only as new as the last Maven package.
    const classPathDir = join(dataDir, "classpath");
    mkdirSync(join(classPathDir, dirname(APP_RESOURCE_DIR)), { recursive: true });
    symlinkSync(DIST, join(classPathDir, APP_RESOURCE_DIR), "dir");
    const server = new ParleyServer(dataDir, classPathDir, options, 0);
    await server.launch();
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/v1/ws`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null;
  }

  /** What the server printed so far (for a failing test's message). */
  get log(): string {
    return this.output;
  }

  /** Starts it again after stop(), on the same port and data. */
  async restart(): Promise<void> {
    if (this.running) throw new Error("the server is already running");
    await this.launch();
  }

  async stop(): Promise<void> {
    if (this.child) await stopProcess(this.child);
    this.child = null;
  }

  /** Stops the server and deletes its data. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const args = [
      "-cp", `${this.classPathDir}:${CLI_JAR}`, "org.parley.cli.Main", "server",
      "--listen", `127.0.0.1:${this.port}`,
      "--data", join(this.dataDir, "data"),
      "--media-port", String(this.options.mediaPort ?? 0),
      ...(this.options.extraArgs ?? []),
    ];
    const child = spawn("java", args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    // A restart's output follows the last run's: only this run's "listening" line says it is up.
    const from = this.output.length;
    this.port = await new Promise<number>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`the server did not start within ${START_TIMEOUT_MS} ms:\n${this.output}`)), START_TIMEOUT_MS);
      const onOutput = (chunk: Buffer) => {
        this.output += chunk.toString();
        const match = /listening on https?:\/\/[^:\s]+:(\d+)/.exec(this.output.slice(from));
        if (match) {
          clearTimeout(timer);
          ok(Number(match[1]));
        }
      };
      child.stdout!.on("data", onOutput);
      child.stderr!.on("data", onOutput);
      child.once("exit", (code) => {
        clearTimeout(timer);
        fail(new Error(`the server exited with ${code}:\n${this.output}`));
      });
    });
  }
}

/** The outcome of a one-shot `parley` command. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A `parley` process still running (link, call, answer), with its output so far. */
export class RunningCommand {
  stdout = "";
  stderr = "";
  readonly done: Promise<CommandResult>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.on("data", (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.done = new Promise((ok) =>
      child.once("exit", (code) => ok({ code: code ?? -1, stdout: this.stdout, stderr: this.stderr })),
    );
  }

  /** Waits until standard output matches, and returns the match. */
  async waitForOutput(pattern: RegExp, timeoutMs = DEFAULT_WAIT_MS): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.stdout);
      if (match) return match;
      if (this.child.exitCode !== null) {
        throw new Error(`parley exited (${this.child.exitCode}) before printing ${pattern}:\n${this.stdout}${this.stderr}`);
      }
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.stdout}${this.stderr}`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    await stopProcess(this.child);
  }
}

/** A message the daemon announced with a 'receive' notification. */
export interface ReceivedMessage {
  id: string;
  conversation: string;
  sender: string;
  sent_at: number;
  text: string;
  attachments: string[];
  identity_changed?: boolean;
}

/** A message request the daemon announced with a 'request' notification. */
export interface MessageRequest {
  conversation: string;
  inviter: string;
  direct: boolean;
  messages: number;
}

export interface ConversationSummary {
  name: string;
  direct: boolean;
  members: string[];
  admins: string[];
}

/** Who to send to: a person (their 1:1) or a group by name. */
export type Target = { recipient: string } | { group: string };

/**
 * A CLI user: a profile directory, one-shot commands (register, link, call...) and, between them,
 * a JSON-RPC daemon (DaemonCommand.java) whose notifications are collected in order.
 */
export class CliUser {
  readonly received: ReceivedMessage[] = [];
  readonly requests: MessageRequest[] = [];
  private daemon: ChildProcess | null = null;
  private daemonLog = "";
  private nextId = 1;
  private readonly pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  private readonly spawned = new Set<RunningCommand>();

  constructor(
    readonly username: string,
    readonly profile: string,
    private readonly server: ParleyServer,
  ) {}

  /** Runs `parley --profile P ARGS...` to the end (stopping the daemon first: one process per profile). */
  async run(args: string[], timeoutMs = 120_000): Promise<CommandResult> {
    await this.stopDaemon();
    const command = this.spawn(args);
    const timer = setTimeout(() => void command.stop(), timeoutMs);
    const result = await command.done.finally(() => clearTimeout(timer));
    if (result.code !== 0) {
      throw new Error(`parley ${args.join(" ")} (${this.username}) exited with ${result.code}:\n${result.stdout}${result.stderr}`);
    }
    return result;
  }

  /** Starts `parley --profile P ARGS...` and returns at once (stopping the daemon first). */
  async start(args: string[]): Promise<RunningCommand> {
    await this.stopDaemon();
    return this.spawn(args);
  }

  /** `parley register USERNAME --server URL`, then the daemon. */
  async register(): Promise<void> {
    await this.run(["register", this.username, "--server", this.server.url]);
    await this.startDaemon();
  }

  /**
   * `parley link --server URL` in this (empty) profile: returns the link code it prints and a
   * promise of its end, which comes once a device of the account approves the code.
   */
  async link(): Promise<{ code: string; linked: Promise<void> }> {
    const command = await this.start(["link", "--server", this.server.url, "--wait", "120"]);
    const code = (await command.waitForOutput(/Link code: (\S+)/))[1];
    const linked = command.done.then(async (result) => {
      if (result.code !== 0) throw new Error(`parley link exited with ${result.code}:\n${result.stdout}${result.stderr}`);
      await this.startDaemon();
    });
    return { code, linked };
  }

  /** `parley link-accept CODE`: approves a new device (a browser, or another CLI profile) of this account. */
  async linkAccept(code: string): Promise<string> {
    const result = await this.run(["link-accept", code]);
    await this.startDaemon();
    return result.stdout;
  }

  async startDaemon(): Promise<void> {
    if (this.daemon && this.daemon.exitCode === null) return;
    const child = spawn("java", ["-jar", CLI_JAR, "--profile", this.profile, "daemon", "--jsonrpc"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.daemon = child;
    this.daemonLog = "";
    child.stderr!.on("data", (chunk: Buffer) => (this.daemonLog += chunk.toString()));
    createInterface({ input: child.stdout! }).on("line", (line) => this.onDaemonLine(line));
    child.once("exit", (code) => {
      for (const { fail } of this.pending.values()) {
        fail(new Error(`the daemon of ${this.username} exited with ${code}:\n${this.daemonLog}`));
      }
      this.pending.clear();
    });
    // The daemon reads stdin once it is signed in: its first answer says it is ready.
    await this.call("listGroups", {}, START_TIMEOUT_MS);
  }

  async stopDaemon(): Promise<void> {
    const daemon = this.daemon;
    this.daemon = null;
    if (!daemon || daemon.exitCode !== null) return;
    const exited = new Promise<void>((ok) => daemon.once("exit", () => ok()));
    daemon.stdin!.end(); // the daemon ends when stdin closes
    const timer = setTimeout(() => daemon.kill("SIGTERM"), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** One JSON-RPC call; rejects with the daemon's error message. */
  async call<T = unknown>(method: string, params: Record<string, unknown>, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    const daemon = this.daemon;
    if (!daemon || daemon.exitCode !== null) throw new Error(`${this.username} has no daemon running`);
    const id = this.nextId++;
    return new Promise<T>((ok, fail) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        fail(new Error(`${method} of ${this.username} got no answer within ${timeoutMs} ms:\n${this.daemonLog}`));
      }, timeoutMs);
      this.pending.set(id, {
        ok: (value) => {
          clearTimeout(timer);
          ok(value as T);
        },
        fail: (error) => {
          clearTimeout(timer);
          fail(error);
        },
      });
      daemon.stdin!.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
    });
  }

  send(to: Target, message: string): Promise<{ id: string; sent_at: number }> {
    return this.call("send", { ...to, message });
  }

  sendFile(to: Target, path: string): Promise<{ id: string; sent_at: number }> {
    return this.call("sendFile", { ...to, path });
  }

  createGroup(name: string, members: string[]): Promise<ConversationSummary> {
    return this.call("createGroup", { name, members });
  }

  addMember(group: string, member: string): Promise<ConversationSummary> {
    return this.call("addMember", { group, member });
  }

  removeMember(group: string, member: string): Promise<ConversationSummary> {
    return this.call("removeMember", { group, member });
  }

  listGroups(): Promise<ConversationSummary[]> {
    return this.call("listGroups", {});
  }

  listRequests(): Promise<MessageRequest[]> {
    return this.call("listRequests", {});
  }

  /**
   * Accepts a message request (a 1:1 by the inviter's name, or a group by its name). The daemon
   * announces a request's messages only at its next start or next arriving message, so it is
   * restarted here: the messages are in `received` when this returns.
   */
  async accept(name: string): Promise<void> {
    await this.call("accept", { name });
    await this.stopDaemon();
    await this.startDaemon();
  }

  /** Waits for a received message that matches (already received ones count), and returns it. */
  waitForMessage(match: (m: ReceivedMessage) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedMessage> {
    return this.waitFor(this.received, match, timeoutMs, "message");
  }

  /** Waits for a message with exactly this text, from this sender when given. */
  waitForText(text: string, sender?: string, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedMessage> {
    return this.waitForMessage((m) => m.text === text && (sender === undefined || m.sender === sender), timeoutMs);
  }

  waitForRequest(match: (r: MessageRequest) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<MessageRequest> {
    return this.waitFor(this.requests, match, timeoutMs, "message request");
  }

  /** Stops the daemon and every command still running; the profile is deleted with the world. */
  async dispose(): Promise<void> {
    await this.stopDaemon();
    await Promise.all([...this.spawned].map((command) => command.stop()));
  }

  private spawn(args: string[]): RunningCommand {
    const command = new RunningCommand(
      spawn("java", ["-jar", CLI_JAR, "--profile", this.profile, ...args], { stdio: ["ignore", "pipe", "pipe"] }),
    );
    this.spawned.add(command);
    void command.done.then(() => this.spawned.delete(command));
    return command;
  }

  private onDaemonLine(line: string): void {
    let frame: { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown };
    try {
      frame = JSON.parse(line);
    } catch {
      this.daemonLog += `not JSON on stdout: ${line}\n`;
      return;
    }
    if (frame.method === "receive") {
      this.received.push(frame.params as ReceivedMessage);
    } else if (frame.method === "request") {
      this.requests.push(frame.params as MessageRequest);
    } else if (typeof frame.id === "number" && this.pending.has(frame.id)) {
      const { ok, fail } = this.pending.get(frame.id)!;
      this.pending.delete(frame.id);
      if (frame.error) fail(new Error(`${this.username}: ${frame.error.message}`));
      else ok(frame.result);
    }
  }

  private async waitFor<T>(list: T[], match: (item: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = list.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) {
        throw new Error(`${this.username} got no matching ${what} within ${timeoutMs} ms; got ${JSON.stringify(list)}\n${this.daemonLog}`);
      }
      await sleep(100);
    }
  }
}

/** One test's server and CLI users, all stopped and deleted by dispose(). */
export class ParleyWorld {
  private readonly users: CliUser[] = [];
  private readonly profilesDir = mkdtempSync(join(tmpdir(), "parley-e2e-profiles-"));

  constructor(readonly server: ParleyServer) {}

  /** A CLI user with a fresh profile (not registered yet: call register() or link()). */
  user(username: string): CliUser {
    const user = new CliUser(username, join(this.profilesDir, username), this.server);
    this.users.push(user);
    return user;
  }

  /** A registered CLI user with its daemon running. */
  async registered(username: string): Promise<CliUser> {
    const user = this.user(username);
    await user.register();
    return user;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.users.map((user) => user.dispose()));
    await this.server.dispose();
    rmSync(this.profilesDir, { recursive: true, force: true });
  }
}

/**
 * Playwright's test with a `parley` fixture: a fresh server per test (the page's baseURL is
 * set to it), stopped with its users when the test ends.
 */
export const test = base.extend<{ parley: ParleyWorld; serverOptions: ServerOptions }>({
  serverOptions: [{}, { option: true }],
  parley: async ({ serverOptions }, use) => {
    const world = new ParleyWorld(await ParleyServer.start(serverOptions));
    try {
      await use(world);
    } finally {
      await world.dispose();
    }
  },
  baseURL: async ({ parley }, use) => {
    await use(parley.server.url);
  },
});

export { expect };

export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      ok();
    });
    child.kill("SIGTERM");
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}
