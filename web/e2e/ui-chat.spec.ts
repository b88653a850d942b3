// A browser user and a CLI user chat 1:1 both ways through a real server: requests, replies,
// receipts, files each way, hostile text shown as text, a huge message refused before sending.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test, WEB } from "./harness";
import { downloadAttachment, expectWholeChatTitle, messageWithText, registerInBrowser, screenshots, sendText, startDirect } from "./ui-steps";

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
  await bob.waitForText("(reply) a reply from the browser", "alice"); // how the Java client shows a Reply

  // A file from the browser arrives at the CLI with the same bytes.
  const upload = Buffer.from("browser file contents\n".repeat(200));
  await page.getByTestId("file-input").setInputFiles({ name: "from-browser.txt", mimeType: "text/plain", buffer: upload });
  const withFile = await bob.waitForMessage((m) => m.sender === "alice" && m.attachments.length > 0, 60_000);
  expect(readFileSync(withFile.attachments[0]).equals(upload)).toBe(true);

  // A file from the CLI is offered in the browser and downloads with the same bytes.
  const sent = Buffer.from("cli file contents\n".repeat(300));
  mkdirSync(testInfo.outputDir, { recursive: true });
  const path = join(testInfo.outputDir, "from-cli.txt");
  writeFileSync(path, sent);
  await bob.sendFile({ recipient: "alice" }, path);
  expect((await downloadAttachment(page, "from-cli.txt")).equals(sent)).toBe(true);

  // An image from the CLI shows inline, decrypted into an object URL.
  await bob.sendFile({ recipient: "alice" }, join(WEB, "public", "icon-192.png"));
  const image = page.getByRole("img", { name: "Image: icon-192.png" });
  await expect(image).toBeVisible({ timeout: 60_000 });
  expect(await image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(192);
  expect(await image.getAttribute("src")).toMatch(/^blob:/);

  // A file dropped on the conversation is sent like an attached one.
  await page.locator(".chat").evaluate((chat) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(["dropped bytes"], "dropped.txt", { type: "text/plain" }));
    chat.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    chat.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
  });
  const dropped = await bob.waitForMessage((m) => m.attachments.some((path) => path.endsWith("dropped.txt")), 60_000);
  expect(readFileSync(dropped.attachments[0], "utf8")).toBe("dropped bytes");

  // At 360 px the header keeps the whole name beside the timer, call and safety-number buttons.
  await screenshots(page, "chat", (narrow) => expectWholeChatTitle(narrow, "bob"));

  // The safety number with bob: digits and a QR code; verifying marks it.
  await page.getByRole("button", { name: "Safety number" }).click();
  const safety = page.getByRole("dialog", { name: "Safety number with bob" });
  await expect(safety.getByTestId("safety-number")).toContainText(/(\d{5}\s*){12}/, { timeout: 30_000 });
  await expect(safety.getByRole("img", { name: /QR code/ })).toBeVisible();
  await expect(safety.getByText("Not verified")).toBeVisible();
  await screenshots(page, "safety");
  await safety.getByRole("button", { name: "Mark as verified" }).click();
  await expect(safety.getByText("✓ Verified")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(safety).toHaveCount(0);
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

test("what is typed while a message is still being sent stays in the composer", async ({ page, parley }) => {
  await parley.registered("bob");
  await registerInBrowser(page, "alice");
  await startDirect(page, "bob");
  const composer = page.getByRole("textbox", { name: "Message" });
  await composer.fill("first");
  // Enter, and the next words in the same moment: the first message is still being encrypted and stored.
  await composer.evaluate((box: HTMLTextAreaElement) => {
    box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
    box.value = "second";
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });
  await expect(messageWithText(page, "first")).toBeVisible();
  await expect(page.getByRole("button", { name: "Send" })).toBeEnabled(); // the first send is over
  await expect(composer).toHaveValue("second");
  await composer.press("Enter");
  await expect(messageWithText(page, "second")).toBeVisible();
  await expect(composer).toHaveValue("");
});

test("a message request is blocked or deleted from its banner", async ({ page, parley }) => {
  test.setTimeout(240_000);
  const mallory = await parley.registered("mallory");
  const trent = await parley.registered("trent");
  await registerInBrowser(page, "alice");
  const requests = page.getByTestId("requests");

  await mallory.send({ recipient: "alice" }, "buy my stuff");
  await requests.getByTestId("conversation").filter({ hasText: "mallory" }).click({ timeout: 60_000 });
  await expect(messageWithText(page, "buy my stuff")).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole("textbox", { name: "Message" })).toHaveCount(0); // no replying before accepting
  await screenshots(page, "request");
  page.once("dialog", (confirm) => void confirm.accept());
  await page.getByRole("button", { name: "Block" }).click();
  await expect(page.getByTestId("conversation").filter({ hasText: "mallory" })).toHaveCount(0, { timeout: 30_000 });

  await mallory.send({ recipient: "alice" }, "still there?");
  await trent.send({ recipient: "alice" }, "hi, it's trent");
  await requests.getByTestId("conversation").filter({ hasText: "trent" }).click({ timeout: 60_000 });
  await expect(messageWithText(page, "hi, it's trent")).toBeVisible({ timeout: 60_000 });
  await page.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByTestId("conversation")).toHaveCount(0, { timeout: 30_000 });
});
