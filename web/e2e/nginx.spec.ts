// The web app behind nginx (the README's "Behind a reverse proxy" block): loaded in Chromium from
// nginx's TLS port, it learns the moved WebSocket's path from its page, registers, and chats both
// ways with a CLI user who goes through nginx too. Skipped with a reason when nginx is not
// installed; PARLEY_REQUIRE_NGINX=1 makes that a failure.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliUser, expect, test, type ParleyServer } from "./harness";
import { nginxBinary, startNginx, WEBSOCKET_PATH, type Nginx } from "./nginx";
import { messageWithText, registerInBrowser, sendText, startDirect } from "./ui-steps";

if (!nginxBinary && process.env.PARLEY_REQUIRE_NGINX === "1") {
  throw new Error("PARLEY_REQUIRE_NGINX=1 but nginx is not installed (apt-get install nginx)");
}

const behindNginx = test.extend<{ nginx: Nginx }>({
  serverOptions: { extraArgs: ["--ws-path", WEBSOCKET_PATH, "--trusted-proxy", "127.0.0.1/32"] },
  nginx: async ({ parley }, use) => {
    const nginx = await startNginx(Number(new URL(parley.server.url).port));
    try {
      await use(nginx);
    } finally {
      await nginx.stop();
    }
  },
  // The page comes from nginx, not from the server directly.
  baseURL: async ({ nginx }, use) => {
    await use(nginx.origin);
  },
});

behindNginx.use({ locale: "en-US", ignoreHTTPSErrors: true });

behindNginx.skip(!nginxBinary, "nginx is not installed (apt-get install nginx): the reverse-proxy browser test is skipped");

behindNginx("the web app registers and chats with a CLI user, both through nginx", async ({ page, nginx }) => {
  const sockets: string[] = [];
  page.on("websocket", (socket) => sockets.push(socket.url()));

  // A CLI user through nginx: a JVM that trusts the test's certificate (JAVA_TOOL_OPTIONS reaches
  // the `java` the harness starts), and the server URL with the WebSocket's path.
  const before = process.env.JAVA_TOOL_OPTIONS;
  process.env.JAVA_TOOL_OPTIONS = nginx.javaTrustOptions;
  const profiles = mkdtempSync(join(tmpdir(), "parley-e2e-nginx-bob-"));
  const bob = new CliUser("bob", join(profiles, "bob"), { url: nginx.serverUrl } as unknown as ParleyServer);
  try {
    await bob.register();

    await registerInBrowser(page, "alice");
    expect(sockets.length).toBeGreaterThan(0);
    for (const url of sockets) expect(url).toBe(`wss://${new URL(nginx.origin).host}${WEBSOCKET_PATH}`);

    await startDirect(page, "bob");
    await sendText(page, "hello through nginx");
    await expect(messageWithText(page, "hello through nginx")).toBeVisible();
    await bob.waitForRequest((r) => r.inviter === "alice" && r.direct, 60_000);
    await bob.accept("alice");
    await bob.waitForText("hello through nginx", "alice", 60_000);

    await bob.send({ recipient: "alice" }, "and back through nginx");
    await expect(messageWithText(page, "and back through nginx")).toBeVisible({ timeout: 60_000 });
  } finally {
    await bob.dispose();
    rmSync(profiles, { recursive: true, force: true });
    if (before === undefined) delete process.env.JAVA_TOOL_OPTIONS;
    else process.env.JAVA_TOOL_OPTIONS = before;
  }
});
