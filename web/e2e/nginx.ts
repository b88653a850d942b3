// Debian's nginx in front of a test's Parley server, running the README's configuration (the block
// between the nginx-config markers) with only its listen address, certificate files, upstream port
// and site folder changed, exactly as cli/src/test/java/org/parley/cli/NginxProxy.java does: pid,
// logs and temp folders in a temporary folder, one process (master_process off), loopback only.
// The certificate is a throw-away self-signed one for 127.0.0.1 (openssl), with a Java trust store
// (keytool) for the CLI users that go through nginx too (throwAwayCertificate, which other specs use).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, stopProcess } from "./harness";

/** The WebSocket path the README's block routes; the test's server takes it with --ws-path. */
export const WEBSOCKET_PATH = "/c/7f3kq";
const NGINX_BINARIES = ["/usr/sbin/nginx", "/usr/bin/nginx"];
const START_TIMEOUT_MS = 20_000;

/** Debian's nginx, or undefined when it is not installed. */
export const nginxBinary: string | undefined = NGINX_BINARIES.find((path) => existsSync(path));

export interface Nginx {
  /** https://127.0.0.1:PORT, where the web app is. */
  readonly origin: string;
  /** The server URL a CLI user takes: the origin and the WebSocket's path. */
  readonly serverUrl: string;
  /** JVM flags that make a `parley` process trust the test's certificate. */
  readonly javaTrustOptions: string;
  stop(): Promise<void>;
}

/** The fenced nginx block between the README's markers. */
export function readmeBlock(): string {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const match = /<!-- nginx-config:begin[^\n]*\n```nginx\n([\s\S]*?)```\n<!-- nginx-config:end -->/.exec(readme);
  if (!match) throw new Error("README.md has no ```nginx block between the nginx-config markers");
  return match[1];
}

/** The README's block with the test's values; every README value must be there. */
export function testBlock(block: string, port: number, cert: string, key: string, upstreamPort: number, siteRoot: string): string {
  const replacements: [string, string][] = [
    ["listen 443 ssl;", `listen 127.0.0.1:${port} ssl;`],
    ["/etc/letsencrypt/live/chat.example.org/fullchain.pem", cert],
    ["/etc/letsencrypt/live/chat.example.org/privkey.pem", key],
    ["http://127.0.0.1:7878;", `http://127.0.0.1:${upstreamPort};`],
    ["root /var/www;", `root ${siteRoot};`],
  ];
  for (const kept of [`location = ${WEBSOCKET_PATH} {`, "location /site/ {", "location / {"]) requireInReadme(block, kept);
  for (const [from, to] of replacements) {
    requireInReadme(block, from);
    block = block.split(from).join(to);
  }
  return block;
}

function requireInReadme(block: string, text: string): void {
  if (!block.includes(text)) {
    throw new Error(`the README's nginx block no longer has '${text}': update e2e/nginx.ts and NginxProxy.java with it`);
  }
}

/** Starts nginx (nginxBinary must be set) in front of the Parley server on upstreamPort. */
export async function startNginx(upstreamPort: number): Promise<Nginx> {
  if (!nginxBinary) throw new Error("nginx is not installed");
  const dir = mkdtempSync(join(tmpdir(), "parley-e2e-nginx-"));
  const { cert, key, javaTrustOptions } = throwAwayCertificate(dir);
  const temp = join(dir, "temp");
  mkdirSync(join(dir, "www"), { recursive: true });
  const port = await freePort();
  const config = [
    "daemon off;",
    "master_process off;",
    `pid ${join(dir, "nginx.pid")};`,
    `error_log ${join(dir, "error.log")} info;`,
    "events { worker_connections 512; }",
    "http {",
    "    default_type text/plain;",
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((kind) => `    ${kind}_temp_path ${join(temp, kind)};`),
    testBlock(readmeBlock(), port, cert, key, upstreamPort, join(dir, "www")),
    "}",
    "",
  ].join("\n");
  mkdirSync(temp);
  writeFileSync(join(dir, "nginx.conf"), config);
  const child = spawn(nginxBinary, ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")], { stdio: "ignore" });
  const stop = async () => {
    await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await awaitListening(child, port, dir);
  } catch (error) {
    await stop();
    throw error;
  }
  const origin = `https://127.0.0.1:${port}`;
  return {
    origin,
    serverUrl: origin + WEBSOCKET_PATH,
    javaTrustOptions,
    stop,
  };
}

/**
 * A self-signed certificate for 127.0.0.1 in `dir` (cert.pem, key.pem: PKCS#8), valid two days, and
 * the JVM flags that make a `parley` process trust it.
 */
export function throwAwayCertificate(dir: string): { cert: string; key: string; javaTrustOptions: string } {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const trustStore = join(dir, "trust.p12");
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=chat.example", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "pipe" });
  execFileSync("keytool", ["-importcert", "-noprompt", "-alias", "parley-test", "-file", cert, "-keystore", trustStore,
    "-storetype", "PKCS12", "-storepass", "changeit"], { stdio: "pipe" });
  return {
    cert,
    key,
    javaTrustOptions: `-Djavax.net.ssl.trustStore=${trustStore} -Djavax.net.ssl.trustStorePassword=changeit -Djavax.net.ssl.trustStoreType=PKCS12`,
  };
}

async function awaitListening(child: ChildProcess, port: number, dir: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${errorLog(dir)}`);
    if (await accepts(port)) return;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms:\n${errorLog(dir)}`);
}

function errorLog(dir: string): string {
  const path = join(dir, "error.log");
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

function accepts(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      ok(true);
    });
    socket.once("error", () => ok(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? ok(address.port) : fail(new Error("no port"))));
    });
  });
}
