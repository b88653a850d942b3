// A hostile server (ARCHITECTURE.md: the operator is an active adversary) pushes malformed frames
// into the browser's WebSockets in the middle of a conversation with a CLI user. The app must
// drop them without an uncaught error and go on chatting both ways.
import type { WebSocketRoute } from "@playwright/test";
import { expect, test } from "./harness";
import { messageWithText, registerInBrowser, sendText, startDirect } from "./ui-steps";

/** Frames no Parley server sends: garbage, cut-off and oversized protobuf, text where binary belongs. */
function malformedFrames(): (string | Buffer)[] {
  const random = Buffer.alloc(4096);
  for (let i = 0; i < random.length; i++) random[i] = (i * 7919 + 13) & 0xff;
  return [
    Buffer.alloc(0), // empty
    random, // noise
    Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), // field 1, length 4 GiB, no body
    Buffer.from([0x0a, 0x05, 0x01, 0x02]), // field 1, length 5, 2 bytes: cut off
    Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // an overlong varint tag
    Buffer.from([0xfa, 0xff, 0xff, 0x7f, 0x00]), // an unknown field of a valid frame: nothing to act on
    Buffer.alloc(2 * 1024 * 1024, 0x0a), // 2 MiB of nested length prefixes
    "<img src=x onerror=alert(1)>", // text, not binary
    '{"type":"deliver"}',
  ];
}

test("malformed frames from the server leave the app working", async ({ page, parley }) => {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("dialog", (dialog) => {
    problems.push(`dialog opened: ${dialog.message()}`);
    void dialog.dismiss();
  });

  // Every WebSocket of the page (signed-in and anonymous) goes through this relay to the real
  // server, so frames can be slipped in as if the server had sent them.
  const routes: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/v1\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => server.send(message));
    server.onMessage((message) => ws.send(message));
    routes.push(ws);
  });

  const bob = await parley.registered("bob");
  await registerInBrowser(page, "alice");
  await startDirect(page, "bob");
  await sendText(page, "before the garbage");
  const request = await bob.waitForRequest((r) => r.inviter === "alice", 60_000);
  await bob.accept(request.conversation);
  await bob.waitForText("before the garbage", "alice", 60_000);

  expect(routes.length).toBeGreaterThan(0);
  for (const frame of malformedFrames()) {
    for (const route of routes) route.send(frame);
  }

  // The app saw them: it drops each one and tells the user the server sent something it should not have.
  // Several frames of one kind make one notice that counts them, not a stack of copies, and the
  // screen reader hears the sentence with its count.
  for (const kind of ["not a ServerFrame (ignored)", "text frame"]) {
    const notice = page.locator(".notice").filter({ hasText: kind });
    await expect(notice).toHaveCount(1);
    await expect(notice.getByTestId("notice-count")).toHaveText(/^\(([2-9]|\d\d+) times\)$/);
  }
  await expect(page.getByTestId("live-polite")).toHaveText(/text frame .*\(([2-9]|\d\d+) times\)$/);

  await bob.send({ recipient: "alice" }, "after the garbage, from bob");
  await expect(messageWithText(page, "after the garbage, from bob")).toBeVisible({ timeout: 60_000 });
  await sendText(page, "after the garbage, from alice");
  await bob.waitForText("after the garbage, from alice", "alice", 60_000);
  expect(problems).toEqual([]);
});
