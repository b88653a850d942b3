// A server that forks a conversation (ARCHITECTURE.md: the operator may give different members
// different commits), the way a hostile one would, and the warning the browser user then sees.
// Every WebSocket of the page goes through a relay in the test: it keeps the browser's next commit
// from the real server and answers it as accepted, so the browser moves to epoch N+1 alone. The CLI
// user's own commit for epoch N then wins at the real server: both are at epoch N+1, in different
// versions of the group. The CLI user's next message carries its version's fork tag (RFC 9420
// section 8.7, epoch_authenticator), which differs from the browser's: the chat shows the warning.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ClientFrameSchema, ServerFrameSchema } from "../src/gen/parley/v1/parley_pb";
import { expect, test } from "./harness";
import { createGroupInBrowser, messageWithText, registerInBrowser, screenshots, sendText } from "./ui-steps";

test.use({ locale: "en-US" });

test("a commit the server forked is shown to the browser user as a warning", async ({ page, parley }) => {
  test.setTimeout(240_000);
  let forgeNextCommit = false;
  const forged: bigint[] = [];
  await page.routeWebSocket(/\/v1\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      if (forgeNextCommit && typeof message !== "string") {
        const frame = fromBinary(ClientFrameSchema, message);
        if (frame.body.case === "submitCommit") {
          forgeNextCommit = false;
          const epoch = frame.body.value.epoch;
          forged.push(epoch);
          const accepted = create(ServerFrameSchema, {
            requestId: frame.requestId,
            body: { case: "commitResult", value: { accepted: true, currentEpoch: epoch + 1n } },
          });
          ws.send(Buffer.from(toBinary(ServerFrameSchema, accepted)));
          return;
        }
      }
      server.send(message);
    });
    server.onMessage((message) => ws.send(message));
  });

  // alice (in the browser) makes a group with bob (a CLI user), and makes him an admin too.
  const bob = await parley.registered("bob");
  await registerInBrowser(page, "alice");
  await createGroupInBrowser(page, "team", "bob");
  await sendText(page, "hello team");
  await bob.waitForRequest((r) => r.conversation === "team" && r.inviter === "alice");
  await bob.accept("team");
  await bob.waitForText("hello team", "alice");
  await page.getByRole("button", { name: "Group members" }).click();
  const members = page.getByRole("dialog", { name: "Members of team" });
  await members.getByRole("button", { name: "Make bob admin" }).click();
  await expect(members.getByRole("button", { name: "Remove admin of bob" })).toBeVisible({ timeout: 60_000 });
  await expect.poll(async () => (await bob.listGroups()).find((g) => g.name === "team")?.admins ?? [], { timeout: 60_000 }).toContain("bob");
  await expect(page.getByTestId("fork-warning")).toHaveCount(0);

  // alice takes bob's admin role away: a commit, which only the relay sees and "accepts".
  forgeNextCommit = true;
  await members.getByRole("button", { name: "Remove admin of bob" }).click();
  await expect.poll(() => forged.length, { timeout: 30_000 }).toBe(1);
  await expect(members.getByRole("button", { name: "Make bob admin" })).toBeVisible();
  await page.keyboard.press("Escape");

  // bob, still an admin at the real server, commits for the same epoch, then writes in his version.
  await bob.call("renameGroup", { group: "team", name: "bob's team" });
  await bob.send({ group: "bob's team" }, "from bob's version");

  const warning = page.getByTestId("fork-warning");
  await expect(warning).toBeVisible({ timeout: 60_000 });
  await expect(warning).toHaveRole("alert");
  await expect(warning).toHaveText(
    "The server gave members of this conversation different versions of it: some of their messages cannot be read here. Do not trust the server with this conversation; start a new one.",
  );
  await expect(page.locator(".notice").getByText("The server gave members of team different versions of it; start a new conversation.")).toBeVisible();
  // What bob wrote in his version did not decrypt here (a WebCrypto OperationError inside): the
  // notices say so in a sentence, never with the exception's name.
  await expect(page.locator(".notice").getByText("A message that could not be read or broke the rules was dropped.").first()).toBeVisible();
  for (const text of await page.locator(".notice, [role=alert]").allTextContents()) {
    expect(text).not.toMatch(/\b[A-Z][A-Za-z]*(Error|Exception)\b/);
  }
  // What bob wrote in the other version is not shown as if it had been read.
  await expect(messageWithText(page, "from bob's version")).toHaveCount(0);
  await screenshots(page, "fork-warning");

  // The warning stays with the conversation: after a reload, it is still there.
  await page.reload();
  await page.getByTestId("conversation").filter({ hasText: "team" }).first().click();
  await expect(page.getByTestId("fork-warning")).toBeVisible({ timeout: 60_000 });
});
