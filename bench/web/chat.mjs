// Two people chatting in the real app, driven through its user interface the way a person would
// (labels and roles of web/src/ui), for the benchmarks that time messages between two browsers.
import { randomBytes } from "node:crypto";

/**
 * Limits of the benchmark's own server raised above what a run uses, so that the app is measured
 * rather than the server's defences: registrations per network per hour (every run registers two
 * users from 127.0.0.1), send tokens per day (one per sealed message) and unsealed messages per
 * minute (those before the request is accepted).
 */
export const CHAT_SERVER_ARGS = ["--registration-limit", "1000", "--send-tokens-per-day", "100000", "--unsealed-inbound-per-minute", "100000"];

/** A username the server takes (a-z, 0-9, _ and .), unique per run. */
export function benchUsername(prefix) {
  return `${prefix}_${randomBytes(4).toString("hex")}`;
}

/** Opens the app in a fresh context and registers `username` (no passphrase). */
export async function registeredPage(browser, url, username) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[${username}] page error: ${e.message}`));
  await page.goto(url);
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Conversations" }).waitFor({ timeout: 60_000 });
  return page;
}

/** `from` starts a 1:1 with `to`'s user and says hello; `to` accepts the request and has the chat open. */
export async function connect(from, to, toUsername) {
  await from.getByRole("button", { name: "New chat" }).click();
  await from.locator("#direct-username").fill(toUsername);
  await from.getByRole("button", { name: "Start", exact: true }).click();
  await send(from, "hello");
  await to.getByTestId("conversation").first().click({ timeout: 60_000 });
  await to.getByRole("button", { name: "Accept" }).click();
  await to.getByRole("button", { name: "Accept" }).waitFor({ state: "detached", timeout: 60_000 });
  await to.getByTestId("message-text").filter({ hasText: "hello" }).waitFor({ timeout: 60_000 });
}

export async function send(page, text) {
  const composer = page.locator("#composer-text");
  await composer.fill(text);
  await composer.press("Enter");
}

/**
 * Makes `page` note when each message text matching /^bench (\d+)$/ is first on screen: at the
 * animation frame after the DOM mutation that added it, in ms since the epoch (performance clock).
 */
export function watchRenders(page) {
  return page.evaluate(() => {
    window.__rendered = {};
    const note = (node) => {
      const elements = node.nodeType === 1 ? [node, ...node.querySelectorAll("[data-testid=message-text]")] : [];
      for (const element of elements) {
        const match = element.dataset?.testid === "message-text" && /^bench (\d+)$/.exec(element.textContent.trim());
        if (match && !(match[1] in window.__rendered)) {
          window.__rendered[match[1]] = -1;
          requestAnimationFrame(() => (window.__rendered[match[1]] = performance.timeOrigin + performance.now()));
        }
      }
    };
    new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach(note))).observe(document.body, {
      childList: true,
      subtree: true,
    });
  });
}

/** Makes `page` note when Enter is pressed on a composed "bench N", in ms since the epoch. */
export function watchSends(page) {
  return page.evaluate(() => {
    window.__sent = {};
    document.addEventListener(
      "keydown",
      (event) => {
        const match = event.key === "Enter" && /^bench (\d+)$/.exec(event.target.value ?? "");
        if (match) window.__sent[match[1]] = performance.timeOrigin + event.timeStamp;
      },
      true,
    );
  });
}
