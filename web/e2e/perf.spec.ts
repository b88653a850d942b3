// What the web app does for speed, as a user meets it: the start screen comes from the small entry
// chunk while the MLS and crypto core is still on its way, and a long conversation opens at its
// newest page, older pages read as the user asks (button or scrolling up).
import { expect, test } from "./harness";
import { messageWithText, registerInBrowser, sendText, startDirect } from "./ui-steps";

test.use({ locale: "en-US" });

test("the start screen shows before the core is loaded, and the core comes when it is needed", async ({ page }) => {
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const coreRequests: string[] = [];
  // The core's chunk is the one that holds createParley; hold every script but the entry until released.
  await page.route(/\/assets\/client-[^/]+\.js$/, async (route) => {
    coreRequests.push(route.request().url());
    await held;
    await route.continue();
  });
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Welcome to Parley" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Create account" })).toBeEnabled();
  // The core was asked for after the first screen was painted, and is still held back.
  await expect.poll(() => coreRequests.length).toBe(1);
  release();
  await page.getByLabel("Username").fill("lazy_alice");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Conversations" })).toBeVisible({ timeout: 60_000 });
  expect(problems).toEqual([]);
});

test("a conversation longer than a page opens at its newest messages and reads earlier ones on demand", async ({ page, parley }) => {
  test.setTimeout(600_000);
  await parley.registered("bob");
  await registerInBrowser(page, "alice");
  await startDirect(page, "bob");
  const count = 130;
  for (let i = 1; i <= count; i++) await sendText(page, `note ${i}`);
  await expect(messageWithText(page, `note ${count}`)).toBeVisible();

  // A reload: the list comes from the stored summaries; the chat reads its newest page only.
  await page.reload();
  await expect(page.getByTestId("conversation").filter({ hasText: "bob" })).toContainText(`note ${count}`);
  await page.getByTestId("conversation").filter({ hasText: "bob" }).click();
  await expect(messageWithText(page, `note ${count}`)).toBeVisible();
  await expect(page.getByTestId("message")).toHaveCount(100);
  await expect(messageWithText(page, `note ${count - 100}`)).toHaveCount(0);

  // Keyboard and screen-reader users press the button; the view stays where it was.
  const earlier = page.getByRole("button", { name: "Show earlier messages" });
  await earlier.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("message")).toHaveCount(count);
  await expect(messageWithText(page, "note 1")).toBeAttached();
  await expect(earlier).toHaveCount(0); // nothing older is left

  // Scrolling up reads the next page too: open it afresh and scroll to the top.
  await page.reload();
  await page.getByTestId("conversation").filter({ hasText: "bob" }).click();
  await expect(page.getByTestId("message")).toHaveCount(100);
  await page.locator("ol.messages").evaluate((list) => list.scrollTo({ top: 0 }));
  await expect(page.getByTestId("message")).toHaveCount(count);
  // The older page went in above: the view stays on what was at the top, not on the newest.
  await expect(messageWithText(page, `note ${count - 99}`)).toBeInViewport();
  await expect(messageWithText(page, `note ${count}`)).not.toBeInViewport();
});
