// A `parley` command-line user for the web benchmarks: registered in a profile of its own, then
// driven through `parley daemon --jsonrpc` (README: JSON-RPC 2.0, one object per line on stdin and
// stdout). The benchmarks use it as a fast, real sender: its messages are MLS messages of the
// Java client that the browser receives, decrypts and stores through the app's own inbox.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { CLI_JAR } from "./common.mjs";

/** Requests written to the daemon before their answers: it works through them in order, so this only keeps its queue fed. */
const SENDS_IN_FLIGHT = 64;

export class CliUser {
  #daemon;
  #pending = new Map();
  #nextId = 1;
  #log = "";

  constructor(profile, username) {
    this.profile = profile;
    this.username = username;
  }

  /** `parley register USERNAME --server URL` in a fresh profile, then its daemon. */
  static async register(serverUrl, username) {
    const user = new CliUser(mkdtempSync(join(tmpdir(), "parley-web-bench-cli-")), username);
    await user.#run(["register", username, "--server", serverUrl]);
    await user.#startDaemon();
    return user;
  }

  /** One JSON-RPC call; rejects with the daemon's error. */
  call(method, params) {
    const id = this.#nextId++;
    return new Promise((ok, fail) => {
      this.#pending.set(id, { ok, fail });
      this.#daemon.stdin.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
    });
  }

  /** Sends "bench FROM" .. "bench TO-1" to `recipient`, in order, resolving once the server took the last. */
  async sendMany(recipient, from, to) {
    const inFlight = new Set();
    for (let i = from; i < to; i++) {
      const sent = this.call("send", { recipient, message: `bench ${i}` });
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent)).catch(() => undefined);
      if (inFlight.size >= SENDS_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }

  /** Ends the daemon (it stops when stdin closes) and deletes the profile. */
  async close() {
    const daemon = this.#daemon;
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((ok) => daemon.once("exit", ok));
      daemon.stdin.end();
      const timer = setTimeout(() => daemon.kill("SIGTERM"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.profile, { recursive: true, force: true });
  }

  #run(args) {
    return new Promise((ok, fail) => {
      const child = spawn("java", ["-jar", CLI_JAR, "--profile", this.profile, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (chunk) => (output += chunk));
      child.stderr.on("data", (chunk) => (output += chunk));
      child.once("exit", (code) => (code === 0 ? ok(output) : fail(new Error(`parley ${args[0]} exited with ${code}:\n${output}`))));
    });
  }

  async #startDaemon() {
    const child = spawn("java", ["-jar", CLI_JAR, "--profile", this.profile, "daemon", "--jsonrpc"], { stdio: ["pipe", "pipe", "pipe"] });
    this.#daemon = child;
    child.stderr.on("data", (chunk) => (this.#log += chunk));
    createInterface({ input: child.stdout }).on("line", (line) => this.#answer(line));
    child.once("exit", (code) => {
      for (const { fail } of this.#pending.values()) fail(new Error(`the daemon of ${this.username} exited with ${code}:\n${this.#log}`));
      this.#pending.clear();
    });
    await this.call("listGroups", {}); // its first answer says it is signed in
  }

  #answer(line) {
    let frame;
    try {
      frame = JSON.parse(line);
    } catch {
      return; // not an answer
    }
    const waiting = frame.id !== undefined && this.#pending.get(frame.id);
    if (!waiting) return; // a notification (receive, request): not needed here
    this.#pending.delete(frame.id);
    if (frame.error) waiting.fail(new Error(`${this.username}: ${frame.error.message}`));
    else waiting.ok(frame.result);
  }
}
