// What a person does in the web UI, as steps the ui-*.spec.ts tests share. Everything goes through
// the page the way a user does it: labels, buttons and the keyboard.
import { expect, type Locator, type Page } from "@playwright/test";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { WEB, type CliUser, type ParleyWorld } from "./harness";

export const SCREENSHOTS = join(WEB, "test-results", "screenshots");

/** Registers a new account in a fresh browser profile and waits for the conversation list. */
export async function registerInBrowser(page: Page, username: string): Promise<void> {
  await registerAt(page, "/", username);
}

/** Registers a new account in a fresh browser profile at the page `origin` serves, and waits for the conversation list. */
export async function registerAt(page: Page, origin: string, username: string): Promise<void> {
  await page.goto(origin);
  await page.getByLabel("Username").fill(username);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Conversations" })).toBeVisible({ timeout: 60_000 });
}

/** Waits for the attachment `name` in the open chat, downloads it as a user would, and returns the saved bytes. */
export async function downloadAttachment(page: Page, name: string): Promise<Buffer> {
  const attachment = page.getByTestId("attachment").filter({ hasText: name });
  await expect(attachment).toBeVisible({ timeout: 60_000 });
  const download = page.waitForEvent("download");
  await attachment.click();
  return readFileSync(await (await download).path());
}

/** Opens Settings at its list of server addresses. */
export async function openSettings(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Settings" }).click();
  await expect(page.getByRole("heading", { name: "Server addresses" })).toBeVisible();
}

/** Opens (or starts) the 1:1 with username through "New chat". */
export async function startDirect(page: Page, username: string): Promise<void> {
  await page.getByRole("button", { name: "New chat" }).click();
  const dialog = page.getByRole("dialog", { name: "New chat" });
  await dialog.getByLabel("Username").fill(username);
  await dialog.getByRole("button", { name: "Start" }).click();
  await expect(page.locator("#chat-title")).toHaveText(username, { timeout: 60_000 });
}

/** The browser user (registered here as alice) starts a 1:1 with a CLI user, who accepts it: ready to call. */
export async function startDirectWithCli(page: Page, cli: CliUser, text: string): Promise<void> {
  await registerInBrowser(page, "alice");
  await startDirect(page, cli.username);
  await sendText(page, text);
  await cli.waitForRequest((r) => r.inviter === "alice" && r.direct);
  await cli.accept("alice");
  await cli.waitForText(text, "alice");
}

/**
 * Two browser users in a 1:1, both registered here: `page` as alice and `other` as carol, who
 * accepted alice's message request (its first message shown to her). Ready to call.
 */
async function twoBrowsersInOneChat(page: Page, other: Page): Promise<void> {
  await registerInBrowser(page, "alice");
  await registerInBrowser(other, "carol");
  await startDirect(page, "carol");
  await sendText(page, "video?");
  const request = other.getByTestId("requests").getByTestId("conversation").filter({ hasText: "alice" });
  await expect(request).toBeVisible({ timeout: 60_000 });
  await request.click();
  await other.getByRole("button", { name: "Accept" }).click();
  await expect(messageWithText(other, "video?")).toBeVisible({ timeout: 60_000 });
}

/** alice (`page`) and carol (`other`) in a 1:1, and alice rings carol with video: carol's call panel, ringing. */
export async function videoRingBetweenTwoBrowsers(page: Page, other: Page): Promise<Locator> {
  await twoBrowsersInOneChat(page, other);
  await page.getByRole("button", { name: "Video call" }).click();
  const panel = other.getByTestId("call-panel");
  await expect(panel).toHaveAttribute("data-state", "incoming", { timeout: 60_000 });
  return panel;
}

/** Creates a group through "New group" and waits for its chat to open. */
export async function createGroupInBrowser(page: Page, name: string, members: string): Promise<void> {
  await page.getByRole("button", { name: "New group" }).click();
  const dialog = page.getByRole("dialog", { name: "New group" });
  await dialog.getByLabel("Group name").fill(name);
  await dialog.getByLabel(/^Members/).fill(members);
  await dialog.getByRole("button", { name: "Create group" }).click();
  await expect(page.locator("#chat-title")).toHaveText(name, { timeout: 60_000 });
}

export async function openConversation(page: Page, name: string): Promise<void> {
  await page.getByTestId("conversation").filter({ hasText: name }).first().click();
  await expect(page.locator("#chat-title")).toHaveText(name);
}

/** Types text into the composer and sends it with Enter. */
export async function sendText(page: Page, text: string): Promise<void> {
  const composer = page.getByRole("textbox", { name: "Message" });
  await composer.fill(text);
  await composer.press("Enter");
  await expect(composer).toHaveValue("");
}

/** The message bubble (li) whose text is exactly text. */
export function messageWithText(page: Page, text: string) {
  return page.getByTestId("message").filter({ has: page.getByTestId("message-text").getByText(text, { exact: true }) });
}

/** The open chat's name is whole in its header: on screen and not cut off with an ellipsis. */
export async function expectWholeChatTitle(page: Page, name: string): Promise<void> {
  const title = page.locator("#chat-title");
  await expect(title).toHaveText(name);
  await expect(title).toBeInViewport();
  const width = await title.evaluate((h) => ({ needed: h.scrollWidth, shown: h.clientWidth }));
  expect(width.needed, `the header cuts "${name}" off at ${page.viewportSize()?.width} px`).toBeLessThanOrEqual(width.shown);
}

/** Saves the page at desktop and phone width into test-results/screenshots/NAME-{1280,360}.png. */
export async function screenshots(page: Page, name: string, narrowStep?: (page: Page) => Promise<void>): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const original = page.viewportSize();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-1280.png`) });
  await page.setViewportSize({ width: 360, height: 740 });
  if (narrowStep) await narrowStep(page);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-360.png`) });
  if (original) await page.setViewportSize(original);
}

/**
 * Registers `browserUser` in the page and a CLI user `cliUser`, and opens a 1:1 between them that
 * the CLI user accepted (a first message both have seen): where a call between them can start.
 */
export async function browserAndCliInOneChat(page: Page, parley: ParleyWorld, browserUser: string, cliUser: string): Promise<CliUser> {
  const cli = await parley.registered(cliUser);
  await registerInBrowser(page, browserUser);
  await startDirect(page, cliUser);
  await sendText(page, "let us talk");
  await cli.waitForRequest((r) => r.inviter === browserUser && r.direct);
  await cli.accept(browserUser);
  await cli.waitForText("let us talk", browserUser);
  return cli;
}
