// Issue 14's remaining gaps, the way a user meets them: the disappearing-messages setting in the
// chat header (set in the browser, seen by a CLI user; set by the CLI user, seen in the header; a
// message vanishing from the open chat), and errors of the core shown in Russian.
import { expect, test } from "./harness";
import { expectWholeChatTitle, messageWithText, registerInBrowser, screenshots, sendText, startDirect } from "./ui-steps";

test.describe("in English", () => {
  test.setTimeout(300_000);
  test.use({ locale: "en-US" });

  test("disappearing messages are set from the chat header or the CLI, and messages vanish from the open chat", async ({ page, parley }) => {
    const bob = await parley.registered("bob");
    await registerInBrowser(page, "alice");
    await startDirect(page, "bob");
    await sendText(page, "before the timer");
    await bob.waitForRequest((r) => r.inviter === "alice" && r.direct);
    await bob.accept("alice");

    // bob reads with one-shot commands from here: his daemon would take the timer change unprinted.
    await bob.stopDaemon();
    const timer = page.getByRole("combobox", { name: "Disappearing messages" });
    await expect(timer).toHaveValue("0");
    await timer.selectOption({ label: "1 hour" });
    await expect(timer).toHaveValue("3600");
    await expect(timer).toHaveAttribute("title", "Messages disappear after 1 hour");
    expect((await bob.run(["receive", "--wait=5"])).stdout).toMatch(/alice set disappearing messages to 3600 s/);

    // The CLI user's setting shows in the header, as an odd value the menu does not offer too.
    expect((await bob.run(["timer", "alice", "5m"])).stdout).toMatch(/now disappear 5m after/);
    await expect(timer).toHaveValue("300", { timeout: 60_000 });
    await expect(page.locator(".notice").getByText("bob set disappearing messages to 5 minutes.")).toBeVisible();
    await bob.run(["timer", "alice", "15s"]);
    await expect(timer).toHaveValue("15", { timeout: 60_000 });
    await expect(timer.locator("option:checked")).toHaveText("15 s");
    // The value shows in short by the timer icon, and the name still fits at 360 px.
    await expect(page.locator(".timer-setting__value")).toHaveText("15s");
    await screenshots(page, "fixes-timer", (narrow) => expectWholeChatTitle(narrow, "bob"));

    await bob.startDaemon();
    await bob.send({ recipient: "alice" }, "this one disappears");
    await expect(messageWithText(page, "this one disappears")).toBeVisible({ timeout: 60_000 });
    await expect(messageWithText(page, "this one disappears")).toHaveCount(0, { timeout: 60_000 });
    await expect(messageWithText(page, "before the timer")).toBeVisible();
  });
});

test.describe("in Russian", () => {
  test.use({ locale: "ru-RU" });

  test("an unreachable server and an unknown user are explained in Russian", async ({ page, parley }) => {
    await page.goto("/");
    await page.getByLabel("Имя пользователя").fill("anna");
    await page.getByRole("button", { name: "Создать аккаунт" }).click();
    await expect(page.getByRole("heading", { name: "Чаты" })).toBeVisible({ timeout: 60_000 });

    // A user who does not exist: the core's NO_SUCH_USER, with the name.
    await page.getByRole("button", { name: /Новый чат/ }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Имя пользователя").fill("nobody");
    await dialog.getByRole("button", { name: /Начать/ }).click();
    await expect(dialog.getByRole("alert")).toContainText("На этом сервере нет пользователя «nobody»; проверьте написание.", { timeout: 60_000 });

    // The server stops: the next request fails as unreachable, in Russian.
    await parley.server.stop();
    await dialog.getByLabel("Имя пользователя").fill("someone");
    await dialog.getByRole("button", { name: /Начать/ }).click();
    await expect(dialog.getByRole("alert")).toContainText("Сервер недоступен", { timeout: 60_000 });
  });
});
