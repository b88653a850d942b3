// A browser without a camera (Chromium's fake devices with microphones only, as on a machine
// without one) that starts a video call gets an audio call, says why, and the CLI hears it.
import { expect, test } from "./harness";
import { screenshots, startDirectWithCli } from "./ui-steps";

test.use({
  locale: "en-US",
  launchOptions: {
    executablePath: process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream=device-count=0"],
  },
});

test("a video call from a browser without a camera goes on with audio and says why", async ({ page, parley }, testInfo) => {
  test.setTimeout(240_000);
  const bob = await parley.registered("bob");
  await startDirectWithCli(page, bob, "no camera here");

  const answer = await bob.start(["answer", "--record", testInfo.outputPath("answer.wav")]);
  await page.getByRole("button", { name: "Video call" }).click();
  const panel = page.getByTestId("call-panel");
  await expect(panel).toHaveAttribute("data-state", "active", { timeout: 60_000 });
  await expect(panel.getByTestId("camera-problem")).toHaveText("Camera off: no camera was found. The call goes on with audio.");
  await expect(panel.getByRole("button", { name: "Turn camera on" })).toBeVisible();
  await expect(panel.getByTestId("own-video")).toHaveCount(0);
  await answer.waitForOutput(/In the call with/, 60_000);
  await page.waitForTimeout(3_000);
  await screenshots(page, "video-call-no-camera");
  await panel.getByRole("button", { name: "Hang up" }).click();
  const answered = await answer.done;
  expect(answered.code, answered.stdout + answered.stderr).toBe(0);
  // The CLI heard the browser's microphone, and no video came.
  const heard = /frames sent \d+, received (\d+)/.exec(answered.stdout);
  expect(Number(heard?.[1]), answered.stdout).toBeGreaterThan(50);
  expect(answered.stdout).not.toContain("video frames");
});
