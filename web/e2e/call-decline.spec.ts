// An incoming call declined in the browser: `parley call` rings the browser user, who presses
// Decline. The caller is told at once that the call was declined (not, 60 s later, that nobody
// answered), and the browser's call panel goes away.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { speechLike, writeWav } from "../test/calls/audio";
import { expect, test } from "./harness";
import { messageWithText, startDirectWithCli } from "./ui-steps";

test.use({ locale: "en-US" });

test("the browser user declines a call from a CLI user", async ({ page, parley }, testInfo) => {
  test.setTimeout(180_000);
  const bob = await parley.registered("bob");
  await startDirectWithCli(page, bob, "ring me");

  // The CLI has no sound device here: it would send this file and record into the other.
  mkdirSync(testInfo.outputDir, { recursive: true });
  const speech = join(testInfo.outputDir, "bob.wav");
  writeWav(speech, speechLike(4, 3));
  const call = await bob.start(["call", "alice", "--send-audio", speech, "--record", join(testInfo.outputDir, "heard.wav")]);
  await call.waitForOutput(/Ringing alice/, 60_000);
  const panel = page.getByTestId("call-panel");
  await expect(panel).toHaveAttribute("data-state", "incoming", { timeout: 60_000 });
  await expect(panel.getByTestId("call-status")).toHaveText("Incoming call from bob");
  const declinedAt = Date.now();
  await panel.getByRole("button", { name: "Decline the call from bob" }).click();

  const called = await call.done;
  expect(called.code, called.stdout + called.stderr).toBe(1);
  expect(called.stderr).toContain("parley: alice declined the call");
  expect(called.stderr).not.toContain("did not answer");
  // The ring waits 60 s for an answer: a caller that only gave up would have taken that long.
  expect(Date.now() - declinedAt).toBeLessThan(45_000);
  await expect(panel).toHaveCount(0, { timeout: 15_000 });

  // Declining leaves the conversation as it was: the browser user still chats with bob.
  await bob.startDaemon();
  await bob.send({ recipient: "alice" }, "sorry, call later?");
  await expect(messageWithText(page, "sorry, call later?")).toBeVisible({ timeout: 60_000 });
  await expect(panel).toHaveCount(0);
});
