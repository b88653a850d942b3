// A group of a browser user, a second browser user and a CLI user: everyone reads everyone,
// edits and receipts show on the other side, and the members dialog shows admins.
import { expect, test } from "./harness";
import { createGroupInBrowser, messageWithText, openConversation, registerInBrowser, screenshots, sendText } from "./ui-steps";

test.use({ locale: "en-US" });

test("two browser users and a CLI user chat in a group, with an edit and receipts", async ({ page, browser, parley }) => {
  test.setTimeout(300_000);
  const bob = await parley.registered("bob");
  const carolContext = await browser.newContext({ baseURL: parley.server.url, locale: "en-US" });
  const carol = await carolContext.newPage();
  try {
    await registerInBrowser(page, "alice");
    await registerInBrowser(carol, "carol");

    await createGroupInBrowser(page, "trio", "bob, carol");
    await sendText(page, "hello group");

    await bob.waitForRequest((r) => r.conversation === "trio" && r.inviter === "alice");
    await bob.accept("trio");
    await bob.waitForText("hello group", "alice");

    const request = carol.getByTestId("requests").getByTestId("conversation").filter({ hasText: "trio" });
    await expect(request).toBeVisible({ timeout: 60_000 });
    await screenshots(carol, "requests");
    await request.click();
    await carol.getByRole("button", { name: "Accept" }).click();
    await expect(messageWithText(carol, "hello group")).toBeVisible({ timeout: 60_000 });

    await bob.send({ group: "trio" }, "hello from the CLI");
    await expect(messageWithText(page, "hello from the CLI")).toBeVisible({ timeout: 60_000 });
    await expect(messageWithText(carol, "hello from the CLI")).toBeVisible({ timeout: 60_000 });

    await sendText(carol, "hello from the second browser");
    await expect(messageWithText(page, "hello from the second browser")).toBeVisible({ timeout: 60_000 });
    await bob.waitForText("hello from the second browser", "carol");

    // Receipts from the others reach the sender.
    await expect(messageWithText(page, "hello group").getByTestId("message-status")).toHaveAttribute("data-status", /delivered|read/, {
      timeout: 60_000,
    });

    // An edit shows on the other browser.
    const mine = messageWithText(page, "hello group");
    await mine.getByRole("button", { name: "Actions" }).click();
    await mine.getByRole("button", { name: "Edit" }).click();
    const composer = page.getByRole("textbox", { name: "Message" });
    await expect(composer).toHaveValue("hello group");
    await composer.fill("hello group, edited");
    await composer.press("Enter");
    const edited = messageWithText(carol, "hello group, edited");
    await expect(edited).toBeVisible({ timeout: 60_000 });
    await expect(edited).toContainText("edited");

    // A reaction shows on the other browser.
    const theirs = messageWithText(carol, "hello from the CLI");
    await theirs.getByRole("button", { name: "Actions" }).click();
    await theirs.getByRole("group", { name: "React" }).getByRole("button", { name: "👍" }).click();
    await expect(messageWithText(page, "hello from the CLI").locator(".reactions")).toContainText("👍 1", { timeout: 60_000 });

    // A deleted message is gone for the others too.
    await sendText(page, "a message to delete");
    await expect(messageWithText(carol, "a message to delete")).toBeVisible({ timeout: 60_000 });
    const doomed = messageWithText(page, "a message to delete");
    await doomed.getByRole("button", { name: "Actions" }).click();
    page.once("dialog", (confirm) => void confirm.accept());
    await doomed.getByRole("button", { name: "Delete" }).click();
    await expect(messageWithText(carol, "a message to delete")).toHaveCount(0, { timeout: 60_000 });
    await expect(carol.getByText("This message was deleted.")).toBeVisible();

    await screenshots(page, "group-chat");
    await page.getByRole("button", { name: "Group members" }).click();
    const members = page.getByTestId("members");
    await expect(members.locator("li")).toHaveCount(3);
    await expect(members.locator("li").filter({ hasText: "alice" })).toContainText("admin");
    // An admin makes another member admin; the CLI sees it.
    await members.getByRole("button", { name: "Make bob admin" }).click();
    await expect(members.locator("li").filter({ hasText: "bob" })).toContainText("admin", { timeout: 60_000 });
    await screenshots(page, "group-members");
    await page.keyboard.press("Escape");
    await expect(page.getByRole("dialog")).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Group members" })).toBeFocused();

    await openConversation(carol, "trio");

    // The promotion made in the browser reaches the Java client too: a message sent after it is
    // read by the CLI in the new epoch, and the CLI lists bob among the admins.
    await sendText(page, "after the promotion");
    await bob.waitForText("after the promotion", "alice", 60_000);
    await expect
      .poll(async () => (await bob.listGroups()).find((g) => g.name === "trio")?.admins ?? [], { timeout: 60_000 })
      .toContain("bob");
  } finally {
    await carolContext.close();
  }
});
