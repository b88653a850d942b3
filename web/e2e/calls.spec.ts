// Calls between the browser and the Java CLI through a real server, audio checked by waveform:
// Chromium's fake microphone plays a speech-like WAV file, and what the other side records must
// match it (normalized cross-correlation at least 0.9, Java's CrossCorrelation measure, taken on
// the best window: this machine's real-time audio stalls now and then under load).
//  1. The browser calls; `parley answer --record OUT.wav` answers; OUT.wav matches the browser's audio.
//  2. `parley call` rings the browser with another file; the browser answers; the CLI's recording
//     matches the browser's audio, and what the browser plays matches the CLI's file.
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { bestWindowCorrelation, readWav, speechLike, writeWav } from "../test/calls/audio";
import { expect, test } from "./harness";
import { registerInBrowser, screenshots, sendText, startDirect } from "./ui-steps";

/** What the browser's fake microphone says (looped by Chromium), and what the CLI sends. */
const BROWSER_SPEECH = speechLike(6, 7);
const CLI_SPEECH = speechLike(8, 11);
const FILES = join(tmpdir(), "parley-e2e-calls");
const BROWSER_WAV = join(FILES, "browser-speech.wav");
mkdirSync(FILES, { recursive: true });
// Written when this file loads, in every Playwright process: the browser is launched with it.
writeWav(BROWSER_WAV, BROWSER_SPEECH);

test.use({
  locale: "en-US",
  launchOptions: {
    executablePath: process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${BROWSER_WAV}`,
      "--autoplay-policy=no-user-gesture-required",
    ],
  },
});

const MIN_CORRELATION = 0.9;

/**
 * Records `seconds` of what the call panel's <audio> element plays (its remote stream), as 16-bit
 * samples. The processor keeps up to 10 s of 10 ms chunks, so a stall of the page (this machine is
 * loaded) delays the recording's reads without dropping samples from it.
 */
function recordCallAudio(page: Page, seconds: number): Promise<number[]> {
  return page.evaluate(async (seconds) => {
    type Processor = { new (init: { track: MediaStreamTrack; maxBufferSize: number }): { readable: ReadableStream<AudioData> } };
    const element = document.querySelector<HTMLAudioElement>("[data-testid=call-panel] audio");
    const stream = element?.srcObject as MediaStream | null;
    if (!stream) throw new Error("the call panel plays no stream");
    const Processor = (window as unknown as { MediaStreamTrackProcessor: Processor }).MediaStreamTrackProcessor;
    const reader = new Processor({ track: stream.getAudioTracks()[0], maxBufferSize: 1000 }).readable.getReader();
    const out: number[] = [];
    while (out.length < seconds * 48_000) {
      const { value } = await reader.read();
      if (!value) break;
      const chunk = new Float32Array(value.numberOfFrames);
      value.copyTo(chunk, { planeIndex: 0, format: "f32-planar" });
      value.close();
      for (const s of chunk) out.push(Math.round(s * 32767));
    }
    await reader.cancel();
    return out;
  }, seconds);
}

test("calls between a browser and a CLI user both ways, each hearing the other's audio", async ({ page, parley }, testInfo) => {
  test.setTimeout(240_000);
  mkdirSync(testInfo.outputDir, { recursive: true });
  const bob = await parley.registered("bob");
  await registerInBrowser(page, "alice");
  await startDirect(page, "bob");
  await sendText(page, "let us talk");
  await bob.waitForRequest((r) => r.inviter === "alice" && r.direct);
  await bob.accept("alice");
  await bob.waitForText("let us talk", "alice");

  // 1. The browser calls; the CLI answers and records.
  const answerRecording = join(testInfo.outputDir, "answer.wav");
  const answer = await bob.start(["answer", "--record", answerRecording]);
  await page.getByRole("button", { name: "Audio call" }).click();
  const panel = page.getByTestId("call-panel");
  await expect(panel).toHaveAttribute("data-state", "active", { timeout: 60_000 });
  await answer.waitForOutput(/In the call with/, 60_000);
  await screenshots(page, "call-active");
  await page.waitForTimeout(6_000);
  await panel.getByRole("button", { name: "Hang up" }).click();
  const answered = await answer.done;
  expect(answered.code, answered.stdout + answered.stderr).toBe(0);
  expect(answered.stdout).toContain("The other side hung up.");
  const heardByCli = bestWindowCorrelation(BROWSER_SPEECH, readWav(answerRecording), 1, 1);
  console.log(`browser -> CLI (parley answer): correlation ${heardByCli.correlation.toFixed(3)}`);
  expect(heardByCli.correlation).toBeGreaterThanOrEqual(MIN_CORRELATION);

  // 2. The CLI calls with its own audio; the browser answers.
  const cliSpeech = join(testInfo.outputDir, "cli-speech.wav");
  writeWav(cliSpeech, CLI_SPEECH);
  const callRecording = join(testInfo.outputDir, "call.wav");
  const call = await bob.start(["call", "alice", "--send-audio", cliSpeech, "--record", callRecording]);
  await expect(panel).toHaveAttribute("data-state", "incoming", { timeout: 60_000 });
  await screenshots(page, "call-incoming");
  await panel.getByRole("button", { name: "Answer with audio" }).click();
  await expect(panel).toHaveAttribute("data-state", "active", { timeout: 60_000 });
  await call.waitForOutput(/In the call with/, 60_000);
  await page.waitForTimeout(1_000);
  const heardByBrowser = await recordCallAudio(page, 4);
  const called = await call.done;
  expect(called.code, called.stdout + called.stderr).toBe(0);
  await expect(panel).toHaveCount(0, { timeout: 10_000 }).catch(() => expect(panel).toHaveAttribute("data-state", "ended"));

  writeWav(join(testInfo.outputDir, "browser-heard.wav"), Int16Array.from(heardByBrowser));
  // Real-time playout in a page on a loaded machine stalls now and then: short windows between stalls.
  const browserHeard = bestWindowCorrelation(CLI_SPEECH, heardByBrowser, 0, 0.25);
  console.log(`CLI (parley call) -> browser: correlation ${browserHeard.correlation.toFixed(3)}`);
  expect(browserHeard.correlation).toBeGreaterThanOrEqual(MIN_CORRELATION);
  const cliHeard = bestWindowCorrelation(BROWSER_SPEECH, readWav(callRecording), 1, 1);
  console.log(`browser -> CLI (parley call): correlation ${cliHeard.correlation.toFixed(3)}`);
  expect(cliHeard.correlation).toBeGreaterThanOrEqual(MIN_CORRELATION);
});
