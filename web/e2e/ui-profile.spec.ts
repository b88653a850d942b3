// The profile in the browser: a passphrase locks it across reloads, a wrong one is refused
// clearly; the language follows a manual switch; the server going away shows a clear banner,
// and a message written meanwhile is queued and sent on reconnect.
import { expect, test } from "./harness";
import { messageWithText, registerInBrowser, screenshots, sendText, startDirect } from "./ui-steps";

test.use({ locale: "en-US" });

test("a passphrase locks the profile; a wrong one is refused", async ({ page }) => {
  await page.goto("/");
  await screenshots(page, "start");
  await page.getByLabel("Username").fill("alice");
  await page.getByLabel(/^Passphrase/).fill("correct horse battery staple");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Conversations" })).toBeVisible({ timeout: 60_000 });

  await page.reload();
  await expect(page.getByRole("heading", { name: "Unlock Parley" })).toBeVisible();
  await screenshots(page, "unlock");
  await page.getByLabel("Passphrase").fill("wrong horse");
  await page.getByRole("button", { name: "Unlock" }).click();
  await expect(page.getByRole("alert")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole("heading", { name: "Conversations" })).toHaveCount(0);

  await page.getByLabel("Passphrase").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Unlock" }).click();
  await expect(page.getByRole("heading", { name: "Conversations" })).toBeVisible({ timeout: 30_000 });
});

test("the language switches to Russian and stays after a reload", async ({ page }) => {
  await registerInBrowser(page, "alice");
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByLabel("Language").selectOption("ru");
  await expect(page.getByRole("heading", { name: "Настройки" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "ru");
  await page.reload();
  await expect(page.getByRole("heading", { name: "Чаты" })).toBeVisible({ timeout: 30_000 });
  await screenshots(page, "list-ru");
});

test("the server going away shows a banner; a message written meanwhile is sent on reconnect", async ({ page, parley }) => {
  test.setTimeout(240_000);
  const bob = await parley.registered("bob");
  await registerInBrowser(page, "alice");
  await startDirect(page, "bob");
  await sendText(page, "before the outage");
  await bob.waitForRequest((r) => r.inviter === "alice");
  await bob.accept("alice");
  await bob.waitForText("before the outage", "alice");

  await bob.stopDaemon();
  await parley.server.stop();
  const banner = page.getByTestId("connection-banner");
  await expect(banner).toBeVisible({ timeout: 60_000 });
  await sendText(page, "during the outage");
  await expect(messageWithText(page, "during the outage").getByTestId("message-status")).toHaveAttribute("data-status", "queued");
  await screenshots(page, "offline");

  await parley.server.restart();
  await expect(banner).toHaveCount(0, { timeout: 90_000 });
  await bob.startDaemon();
  await bob.waitForText("during the outage", "alice", 60_000);
  await expect(messageWithText(page, "during the outage").getByTestId("message-status")).not.toHaveAttribute("data-status", "queued");
});
