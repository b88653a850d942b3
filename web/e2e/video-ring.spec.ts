// A ring says whether it is a video call (CallSignal.video), the way the person called meets it:
//  1. One browser user rings another with video; the other's call panel says "Incoming video call
//     from alice", in English and in Russian, with answer-with-camera first, answer-audio-only and
//     decline, each labelled for a screen reader with who calls. Answered audio only, the call
//     connects: both sides are in it, the callee's camera stays off, the caller's video arrives.
//  2. A browser's video ring reaches `parley answer`, which says it answers a video call.
import { expect, test } from "./harness";
import { screenshots, startDirectWithCli, videoRingBetweenTwoBrowsers } from "./ui-steps";

test.use({ locale: "en-US" });

test("a video ring is shown as a video call and can be answered audio only", async ({ page, browser, parley }) => {
  test.setTimeout(240_000);
  const carolContext = await browser.newContext({ baseURL: parley.server.url, locale: "en-US" });
  const carol = await carolContext.newPage();
  try {
    const carolPanel = await videoRingBetweenTwoBrowsers(page, carol);
    await expect(carolPanel.getByTestId("call-status")).toHaveText("Incoming video call from alice");
    // The screen reader is told at once (the assertive live region), not only when it reaches the panel.
    await expect(carol.getByTestId("live-assertive")).toHaveText("Incoming video call from alice");

    // The three choices, by their screen-reader labels, the camera first since the ring offered video.
    const answers = carolPanel.getByRole("button");
    await expect(answers.nth(0)).toHaveAccessibleName("Answer with camera: alice sees and hears you");
    await expect(answers.nth(1)).toHaveAccessibleName("Answer audio only: alice hears you but does not see you");
    await expect(carolPanel.getByRole("button", { name: "Decline the call from alice" })).toHaveText("Decline");
    await screenshots(carol, "call-incoming-video");

    // Still ringing, carol switches to Russian: the panel says the same in her language.
    await carol.getByRole("button", { name: "Settings" }).click();
    await carol.getByLabel("Language").selectOption("ru");
    await expect(carolPanel.getByTestId("call-status")).toHaveText("Входящий видеозвонок от alice");
    await expect(answers.nth(0)).toHaveAccessibleName("Ответить с камерой: alice увидит и услышит вас");
    await expect(carolPanel.getByRole("button", { name: "Отклонить звонок от alice" })).toHaveText("Отклонить");

    // Answered audio only (by keyboard), the call connects; carol's camera stays off, alice's video reaches her.
    const audioOnly = carolPanel.getByRole("button", { name: "Ответить только голосом: alice услышит, но не увидит вас" });
    await audioOnly.focus();
    await carol.keyboard.press("Enter");
    const alicePanel = page.getByTestId("call-panel");
    await expect(carolPanel).toHaveAttribute("data-state", "active", { timeout: 60_000 });
    await expect(alicePanel).toHaveAttribute("data-state", "active", { timeout: 60_000 });
    await expect(carolPanel.getByRole("button", { name: "Включить камеру" })).toBeVisible();
    await expect(carolPanel.getByTestId("own-video")).toHaveCount(0);
    await expect(alicePanel.getByTestId("own-video")).toBeVisible();
    const carolSees = carolPanel.getByTestId("remote-video");
    await expect(carolSees).toHaveAttribute("data-name", "alice", { timeout: 30_000 });
    await expect.poll(async () => Number(await carolSees.getAttribute("data-decoded")), { timeout: 60_000 }).toBeGreaterThan(5);
    // Nothing of carol's camera reaches alice.
    await expect(alicePanel.getByTestId("remote-video")).toHaveCount(0);

    await alicePanel.getByRole("button", { name: "Hang up" }).click();
    await expect(carol.locator("[data-testid=call-panel][data-state=active]")).toHaveCount(0, { timeout: 30_000 });
  } finally {
    await carolContext.close();
  }
});

test("a browser's video ring reaches parley answer as a video call", async ({ page, parley }, testInfo) => {
  test.setTimeout(240_000);
  const bob = await parley.registered("bob");
  await startDirectWithCli(page, bob, "let us talk");
  const answer = await bob.start(["answer", "--record", testInfo.outputPath("answer.wav"), "--duration", "5"]);
  await page.getByRole("button", { name: "Video call" }).click();
  await answer.waitForOutput(/Answering a video call from alice/, 60_000);
  const panel = page.getByTestId("call-panel");
  await expect(panel).toHaveAttribute("data-state", "active", { timeout: 60_000 });
  const answered = await answer.done;
  expect(answered.code, answered.stdout + answered.stderr).toBe(0);
});
