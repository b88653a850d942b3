// What the web benchmarks share: where the repository's parts are, a Parley server from the CLI
// jar (or the one named by --url), Chromium through playwright-core from web/node_modules, the
// machine's description, and percentiles.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, freemem, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const WEB = join(REPO, "web");
export const CHROMIUM = process.env.CHROME_PATH ?? "/usr/bin/chromium";

/** The value after `--name` on the command line, or the fallback. */
export function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

/** The jar whose server (and web app) is measured: --jar PATH, e.g. to alternate two builds run by run. */
export const CLI_JAR = resolve(option("jar", join(REPO, "cli/target/parley.jar")));

/**
 * The app to measure: --url URL when given (e.g. `npx vite preview` of web/dist), otherwise a
 * fresh Parley server from the CLI jar (which serves the app at "/") on a free loopback port,
 * with `serverArgs` added to `parley server`.
 */
export async function appServer(serverArgs = []) {
  const url = option("url", undefined);
  if (url) return { url, stop: async () => {} };
  if (!existsSync(CLI_JAR)) throw new Error(`${CLI_JAR} is missing: ./mvnw -B -q -pl cli -am package -DskipTests`);
  const data = mkdtempSync(join(tmpdir(), "parley-web-bench-"));
  const child = spawn("java", ["-jar", CLI_JAR, "server", "--listen", "127.0.0.1:0", "--media-port", "0", "--data", data, ...serverArgs], { stdio: ["ignore", "pipe", "pipe"] });
  const port = await new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`the server did not start:\n${out}`)), 60_000);
    const read = (chunk) => {
      out += chunk.toString();
      const match = /listening on https?:\/\/[^:\s]+:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        ok(Number(match[1]));
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", (chunk) => (out += chunk.toString()));
    child.on("exit", (code) => fail(new Error(`the server exited with ${code}:\n${out}`)));
  });
  const appUrl = `http://127.0.0.1:${port}/`;
  const page = await fetch(appUrl).then((r) => r.text());
  if (!/<script[^>]+src=/.test(page)) {
    await stopChild(child);
    rmSync(data, { recursive: true, force: true });
    throw new Error(`${appUrl} serves no web app: build the jar with Node.js present (./mvnw -B -q -pl cli -am package -DskipTests)`);
  }
  return {
    url: appUrl,
    stop: async () => {
      await stopChild(child);
      rmSync(data, { recursive: true, force: true });
    },
  };
}

function stopChild(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    child.once("exit", ok);
    child.kill("SIGTERM");
  });
}

/** Chromium (Debian's) through the playwright-core that web/ already installs. */
export async function launchChromium(args = []) {
  const require = createRequire(join(WEB, "package.json"));
  const { chromium } = require("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

export function machine() {
  let chromiumVersion = "unknown";
  try {
    chromiumVersion = execFileSync(CHROMIUM, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    // reported as unknown
  }
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    freeMemoryGiB: +(freemem() / 2 ** 30).toFixed(1),
    loadAverage: loadavg().map((l) => +l.toFixed(2)),
    node: process.version,
    chromium: chromiumVersion,
  };
}

/** The p-th percentile (0..100) of numbers, nearest rank. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function round(value, digits = 1) {
  return Number.isFinite(value) ? +value.toFixed(digits) : value;
}
