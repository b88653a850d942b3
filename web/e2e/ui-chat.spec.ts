// A browser user and a CLI user chat 1:1 both ways through a real server: requests, replies,
// receipts, files each way, hostile text shown as text, a huge message refused before sending.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "./harness";
import { messageWithText, registerInBrowser, screenshots, sendText, startDirect } from "./ui-steps";

test.use({ locale: "en-US" });

test("a browser user and a CLI user chat 1:1 both ways, with receipts, a reply and files", async ({ page, parley }, testInfo) => {
  const bob = await parley.registered("bob");
  await registerInBrowser(page, "alice");
  await screenshots(page, "list-empty");

  await startDirect(page, "bob");
  await sendText(page, "hello from the browser");
  await expect(messageWithText(page, "hello from the browser")).toBeVisible();

  await bob.waitForRequest((r) => r.inviter === "alice" && r.direct);
  await bob.accept("alice");
  await bob.waitForText("hello from the browser", "alice");
  // The CLI's delivery receipt reaches the browser.
  await expect(messageWithText(page, "hello from the browser").getByTestId("message-status")).toHaveAttribute(
    "data-status",
    /delivered|read/,
    { timeout: 60_000 },
  );

  await bob.send({ recipient: "alice" }, "hello from the CLI");
  await expect(messageWithText(page, "hello from the CLI")).toBeVisible({ timeout: 60_000 });

  // A reply quotes the message it answers.
  const incoming = messageWithText(page, "hello from the CLI");
  await incoming.getByRole("button", { name: "Actions" }).click();
  await incoming.getByRole("button", { name: "Reply" }).click();
  await expect(page.getByText("Replying to bob: hello from the CLI")).toBeVisible();
  await sendText(page, "a reply from the browser");
  await expect(messageWithText(page, "a reply from the browser").locator(".message__quote")).toContainText("hello from the CLI");
  await bob.waitForText("a reply from the browser", "alice");

  // A file from the browser arrives at the CLI with the same bytes.
  const upload = Buffer.from("browser file contents\n".repeat(200));
  await page.getByTestId("file-input").setInputFiles({ name: "from-browser.txt", mimeType: "text/plain", buffer: upload });
  const withFile = await bob.waitForMessage((m) => m.sender === "alice" && m.attachments.length > 0, 60_000);
  expect(readFileSync(withFile.attachments[0]).equals(upload)).toBe(true);

  // A file from the CLI is offered in the browser and downloads with the same bytes.
  const sent = Buffer.from("cli file contents\n".repeat(300));
  const path = join(testInfo.outputDir, "from-cli.txt");
  writeFileSync(path, sent);
  await bob.sendFile({ recipient: "alice" }, path);
  const attachment = page.getByTestId("attachment").filter({ hasText: "from-cli.txt" });
  await expect(attachment).toBeVisible({ timeout: 60_000 });
  const download = page.waitForEvent("download");
  await attachment.click();
  const saved = await (await download).path();
  expect(readFileSync(saved).equals(sent)).toBe(true);

  await screenshots(page, "chat");
  await screenshots(page, "list", async (narrow) => {
    await narrow.getByRole("button", { name: "Back" }).click();
  });
});

test("hostile text renders as text and a huge message is refused before sending", async ({ page, parley }) => {
  const bob = await parley.registered("bob");
  await registerInBrowser(page, "alice");
  await startDirect(page, "bob");
  await sendText(page, "hi");
  await bob.waitForRequest((r) => r.inviter === "alice");
  await bob.accept("alice");

  const hostile = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><a href="javascript:window.__pwned=3">click</a>`;
  await bob.send({ recipient: "alice" }, hostile);
  const shown = messageWithText(page, hostile);
  await expect(shown).toBeVisible({ timeout: 60_000 });
  await expect(shown.locator("img, script, a")).toHaveCount(0);
  await shown.getByTestId("message-text").click();
  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();

  const before = await page.getByTestId("message").count();
  const composer = page.getByRole("textbox", { name: "Message" });
  await composer.fill("x".repeat(70 * 1024));
  await composer.press("Enter");
  await expect(page.getByRole("alert")).toContainText("too long to send");
  await expect(composer).not.toHaveValue("");
  await expect(page.getByTestId("message")).toHaveCount(before);

  // Shift+Enter is a new line, Enter sends both lines as one message.
  await composer.fill("first line");
  await composer.press("Shift+Enter");
  await composer.pressSequentially("second line");
  await composer.press("Enter");
  await bob.waitForText("first line\nsecond line", "alice");
});
