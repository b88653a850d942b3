// Linking: the browser as a new device of a CLI account (it then reads new messages), and a CLI
// profile linked as a new device from the browser's settings after comparing fingerprints.
import { expect, test } from "./harness";
import { messageWithText, registerInBrowser, screenshots } from "./ui-steps";

test.use({ locale: "en-US" });

test("the browser links as a second device of a CLI account and sees new messages", async ({ page, parley }) => {
  const bob = await parley.registered("bob");
  const carol = await parley.registered("carol");

  await page.goto("/");
  await page.getByRole("button", { name: "Link this browser" }).click();
  await page.getByLabel("Username").fill("bob");
  await page.getByRole("button", { name: "Get a link code" }).click();
  const code = (await page.getByTestId("link-code").textContent({ timeout: 60_000 }))!.trim();
  await expect(page.getByTestId("link-fingerprint")).not.toBeEmpty();
  await expect(page.getByRole("img", { name: /QR code/ })).toBeVisible();
  await screenshots(page, "link-code");

  const accepted = await bob.linkAccept(code);
  expect(accepted.length).toBeGreaterThan(0);
  await expect(page.getByRole("heading", { name: "Conversations" })).toBeVisible({ timeout: 60_000 });

  await carol.send({ recipient: "bob" }, "hello bob, from carol");
  const request = page.getByTestId("requests").getByTestId("conversation").filter({ hasText: "carol" });
  await expect(request).toBeVisible({ timeout: 60_000 });
  await request.click();
  await expect(messageWithText(page, "hello bob, from carol")).toBeVisible({ timeout: 60_000 });
});

test("the browser links a new CLI device after comparing fingerprints", async ({ page, parley }) => {
  await registerInBrowser(page, "alice");
  const cliDevice = parley.user("alice");
  const { code, linked } = await cliDevice.link();

  await page.getByRole("button", { name: "Settings" }).click();
  await expect(page.getByRole("heading", { name: "Settings" })).toBeFocused();
  await page.getByLabel("Link code from the new device").fill(code);
  await page.getByRole("region", { name: "Link another device" }).getByRole("button", { name: "Check" }).click();
  await expect(page.getByText("alice asks to link a new device")).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId("pending-fingerprint")).not.toBeEmpty();
  await screenshots(page, "settings-link");
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByText("The new device is linked.")).toBeVisible({ timeout: 60_000 });
  await linked;

  // After a reload the settings list both devices.
  await page.reload();
  await page.getByRole("button", { name: "Settings" }).click();
  await expect(page.getByTestId("devices").locator("li")).toHaveCount(2, { timeout: 30_000 });
  await screenshots(page, "settings");
});
