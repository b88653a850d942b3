// The start screen as the server serves it (strict CSP): the language follows the browser's,
// the heading takes focus, and the register form is usable by keyboard alone.
import { expect, test } from "./harness";

test.describe("in a Russian browser", () => {
  test.use({ locale: "ru-RU" });

  test("the start screen is in Russian", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { name: "Добро пожаловать в Parley" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Создать аккаунт" })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("lang", "ru");
  });
});

test.describe("in an English browser", () => {
  test.use({ locale: "en-US" });

  test("the start screen works by keyboard, and the language switches by hand", async ({ page }) => {
    const problems: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto("/");
    await expect(page.getByRole("heading", { name: "Welcome to Parley" })).toBeFocused();

    await page.keyboard.press("Tab");
    await expect(page.getByRole("button", { name: "New account" })).toBeFocused();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await expect(page.getByRole("button", { name: "Link this browser" })).toHaveAttribute("aria-pressed", "true");
    await expect(page.getByRole("button", { name: "Get a link code" })).toBeVisible();
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Enter");
    await expect(page.getByRole("button", { name: "Create account" })).toBeVisible();

    // A username the server would refuse is stopped by the form before anything is created.
    await page.getByLabel("Username").fill("no spaces allowed");
    await page.getByLabel("Username").press("Enter");
    expect(await page.getByLabel("Username").evaluate((input: HTMLInputElement) => input.validity.patternMismatch)).toBe(true);

    await page.getByLabel("Language").selectOption("ru");
    await expect(page.getByRole("heading", { name: "Добро пожаловать в Parley" })).toBeVisible();
    await page.getByLabel("Язык").selectOption("en");
    await expect(page.getByRole("heading", { name: "Welcome to Parley" })).toBeVisible();
    expect(problems).toEqual([]);
  });
});
