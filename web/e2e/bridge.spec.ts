// Issue 15 in the browser: a bridge link works in the web app. The page's origin is a forwarder to
// the server (its public address), which the test closes as a censor would block it; a bridge
// (`parley proxy`, the real command) relays to the server through a second forwarder that records
// every byte the bridge passes on, i.e. everything the bridge itself can see. Through the bridge,
// by the tunnel (protocol/Tunnel.java), the browser chats, sends and fetches files, reloads offline
// from its service worker, and a new browser registers; the recording holds none of what was said
// or sent. A bridge that leads to another server is refused before the browser signs anything.
//
// The browser context ignores certificate errors: that stands in for a bridge certificate from a
// public authority, which a bridge for browsers needs (a browser cannot pin the link's self-made one);
// the tunnel inside does not rely on it.
import { expect, type Page, type WebSocket } from "@playwright/test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Forwarder } from "./forwarder";
import { addBridge, startBridge, type Bridge } from "./bridge";
import { ParleyServer, stopProcess, test } from "./harness";
import { downloadAttachment, messageWithText, registerAt, SCREENSHOTS, sendText, startDirect } from "./ui-steps";

test.use({ locale: "en-US", ignoreHTTPSErrors: true });

/** Whether the page's service worker controls it, so that a reload opens from its cache when the server is unreachable. */
async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 30_000 }).toBe(true);
}

/** The tunnels the page opened, by URL, with how many frames went each way. */
function watchTunnels(page: Page): { url: string; sent: number; received: number; closed: boolean }[] {
  const tunnels: { url: string; sent: number; received: number; closed: boolean }[] = [];
  page.on("websocket", (socket: WebSocket) => {
    if (!socket.url().endsWith("/v1/ws/tunnel")) return;
    const seen = { url: socket.url(), sent: 0, received: 0, closed: false };
    tunnels.push(seen);
    socket.on("framesent", () => seen.sent++);
    socket.on("framereceived", () => seen.received++);
    socket.on("close", () => (seen.closed = true));
  });
  return tunnels;
}

test("a browser whose server is blocked chats, sends and fetches files through a bridge, which reads none of it", async ({ page, parley, browser }) => {
  const dir = mkdtempSync(join(tmpdir(), "parley-e2e-bridge-"));
  const serverPort = Number(new URL(parley.server.url).port);
  const front = await Forwarder.listen(serverPort); // the server's public address, which the network will block
  const seenByBridge = await Forwarder.listen(serverPort, { record: true });
  let bridge: Bridge | undefined;
  const newcomer = await browser.newContext({ locale: "en-US", ignoreHTTPSErrors: true });
  mkdirSync(SCREENSHOTS, { recursive: true });
  try {
    const origin = `http://127.0.0.1:${front.port}`;
    const bob = await parley.registered("bob"); // reaches the server straight
    const tunnels = watchTunnels(page);

    await registerAt(page, origin, "alice");
    await waitForServiceWorker(page);
    // Someone who has opened the app but not registered yet: the page and its service worker only.
    const second = await newcomer.newPage();
    await second.goto(origin);
    await waitForServiceWorker(second);
    await startDirect(page, "bob");
    await sendText(page, "before the block");
    await bob.waitForRequest((r) => r.inviter === "alice" && r.direct);
    await bob.accept("alice");
    await bob.waitForText("before the block", "alice");

    bridge = await startBridge(seenByBridge.port, join(dir, "bridge"));
    await front.close(); // blocked: connections end, new ones are refused
    await expect(page.getByTestId("connection-banner")).toContainText("add a bridge link in Settings", { timeout: 60_000 });

    const added = Date.now();
    await addBridge(page, bridge.link);
    const list = page.getByTestId("server-addresses").getByRole("listitem");
    await expect(list.nth(1)).toContainText("bridge");
    await expect(list.nth(1)).toContainText("worked last", { timeout: 30_000 });
    await expect(page.getByTestId("connection-banner")).toHaveCount(0);
    console.log(`signed in through the bridge ${Date.now() - added} ms after it was added`);
    await page.screenshot({ path: join(SCREENSHOTS, "bridge-settings.png"), fullPage: true });

    // Messages both ways.
    await page.getByTestId("conversation").filter({ hasText: "bob" }).click();
    const secrets = Array.from({ length: 5 }, (_, i) => `through the bridge ${i} ${"x".repeat(i)}`);
    for (const text of secrets) await sendText(page, text);
    for (const text of secrets) await bob.waitForText(text, "alice");
    const replies = ["reply one via bridge", "reply two via bridge"];
    for (const text of replies) await bob.send({ recipient: "alice" }, text);
    for (const text of replies) await expect(messageWithText(page, text)).toHaveCount(1, { timeout: 60_000 });

    // A file each way: the upload and the download go through tunnels of their own.
    const upload = Buffer.from("a file from the browser, sent through the bridge\n".repeat(3000));
    await page.getByTestId("file-input").setInputFiles({ name: "from-browser.txt", mimeType: "text/plain", buffer: upload });
    const withFile = await bob.waitForMessage((m) => m.sender === "alice" && m.attachments.length > 0, 60_000);
    expect(readFileSync(withFile.attachments[0]).equals(upload)).toBe(true);
    const sent = Buffer.from("a file from the CLI, fetched through the bridge\n".repeat(2500));
    const path = join(dir, "from-cli.txt");
    writeFileSync(path, sent);
    await bob.sendFile({ recipient: "alice" }, path);
    expect((await downloadAttachment(page, "from-cli.txt")).equals(sent)).toBe(true);

    // Reloaded while the server is still blocked: the service worker opens the app, which goes through the bridge.
    await page.reload();
    await expect(page.getByRole("heading", { name: "Conversations" })).toBeVisible({ timeout: 60_000 });
    await page.getByTestId("conversation").filter({ hasText: "bob" }).click();
    await sendText(page, "after the reload, still through the bridge");
    await bob.waitForText("after the reload, still through the bridge", "alice");
    await page.screenshot({ path: join(SCREENSHOTS, "bridge-chat.png") });

    // The newcomer registers through the bridge: the page from the cache, the link in the server field.
    await second.reload();
    await second.getByLabel("Server").fill(bridge.link);
    await second.getByLabel("Username").fill("carol");
    await second.getByRole("button", { name: "Create account" }).click();
    await expect(second.getByRole("heading", { name: "Conversations" })).toBeVisible({ timeout: 60_000 });
    await startDirect(second, "bob");
    await sendText(second, "carol registered through the bridge");
    await bob.waitForRequest((r) => r.inviter === "carol" && r.direct);

    // What the bridge relayed: tunnel records, and none of what was said, sent or signed in with.
    expect(tunnels.filter((t) => t.received > 1).length).toBeGreaterThanOrEqual(3);
    const seen = seenByBridge.bytes;
    expect(seen.length).toBeGreaterThan(upload.length + sent.length); // both files crossed it
    expect(seen.includes(Buffer.from("GET /v1/ws/tunnel"))).toBe(true); // the recording is of the browser's tunnels
    for (const text of [...secrets, ...replies, "after the reload", "carol", "alice", "a file from the browser", "a file from the CLI", "Ticket "]) {
      expect(seen.includes(Buffer.from(text)), `the bridge saw "${text}"`).toBe(false);
    }
  } finally {
    await newcomer.close();
    if (bridge) await stopProcess(bridge.process);
    await front.close().catch(() => undefined);
    await seenByBridge.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a bridge that leads to another server is refused before the browser signs anything", async ({ page, parley }) => {
  const dir = mkdtempSync(join(tmpdir(), "parley-e2e-bridge-impostor-"));
  const serverPort = Number(new URL(parley.server.url).port);
  const front = await Forwarder.listen(serverPort);
  const impostor = await ParleyServer.start();
  let bridge: Bridge | undefined;
  try {
    const origin = `http://127.0.0.1:${front.port}`;
    const tunnels = watchTunnels(page);
    await registerAt(page, origin, "alice");
    await front.close();
    // A bridge whose operator relays to a server of their own, a genuine Parley server with another key.
    bridge = await startBridge(Number(new URL(impostor.url).port), join(dir, "bridge"));
    await addBridge(page, bridge.link);

    await expect(page.locator(".notice", { hasText: "Warning: the server's key changed: this may be an attacker's server." }).first()).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId("connection-banner")).toBeVisible();
    await expect(page.getByTestId("server-addresses").getByRole("listitem").nth(1)).toContainText("the last try did not get through: the bridge may be down, or lead elsewhere");
    // Each try sent its hello, read the impostor's answer, and left: no session was opened there, nothing signed.
    await expect.poll(() => tunnels.length, { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => tunnels[0].closed, { timeout: 30_000 }).toBe(true);
    for (const tunnel of tunnels.filter((t) => t.closed)) expect(tunnel).toMatchObject({ sent: 1, received: 1 });
  } finally {
    if (bridge) await stopProcess(bridge.process);
    await front.close().catch(() => undefined);
    await impostor.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
