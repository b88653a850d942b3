// Calls between the browser and the Java CLI through a real server, audio checked by waveform:
// Chromium's fake microphone plays a speech-like WAV file, and what the other side records must
// match it: normalized cross-correlation at least 0.9 over the whole recording (wholeCorrelation:
// only the silence before the first frame arrived and a short tail left out, one lag for all).
//  1. The browser calls; `parley answer --record OUT.wav` answers; OUT.wav matches the browser's audio.
//  2. `parley call` rings the browser with another file; the browser answers; the CLI's recording
//     matches the browser's audio, and what the browser plays matches the CLI's file.
//  3. The same first call with the page's server address blocked: the browser reaches the server
//     through a bridge (`parley proxy`), its call media in the tunnel with everything else.
//  4. A video call with the CLI sending synthetic video (--video-fps): the browser skips those
//     frames (no codec of its own can show them) and its audio goes on both ways; the CLI counts
//     the browser's VP8 frames as received whole and decrypted.
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { readWav, speechLike, wholeCorrelation, writeWav } from "../test/calls/audio";
import { addBridge, startBridge, type Bridge } from "./bridge";
import { Forwarder } from "./forwarder";
import { expect, stopProcess, test } from "./harness";
import { registerAt, screenshots, sendText, startDirect, startDirectWithCli } from "./ui-steps";

/**
 * What the browser's fake microphone says, and what the CLI sends. Chromium plays the file from its
 * start when capture starts and loops it, but its loop point is not seamless: each wrap drops about
 * 8.6 ms (414 samples at 48 kHz; seen at exactly 6.0 s into a 6 s file in two runs), which moves
 * everything after it. So the file is longer than any call here captures.
 */
const BROWSER_SPEECH = speechLike(30, 7);
const CLI_SPEECH = speechLike(8, 11);
const LONG_CLI_SPEECH = speechLike(14, 13);
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

/** Prints and checks how well `heard` (the whole recording) is `sent`. */
function expectHeard(what: string, sent: Int16Array, heard: ArrayLike<number>): void {
  const match = wholeCorrelation(sent, heard);
  console.log(
    `${what}: correlation ${match.correlation.toFixed(3)} over ${match.seconds.toFixed(2)} s from ${match.startSeconds.toFixed(2)} s; ` +
      `${match.slips} slip(s) of the timeline; per 0.5 s: ${match.slices.join(" ")}`,
  );
  expect(match.correlation, what).toBeGreaterThanOrEqual(MIN_CORRELATION);
}

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
  await startDirectWithCli(page, bob, "let us talk");

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
  expectHeard("browser -> CLI (parley answer)", BROWSER_SPEECH, readWav(answerRecording));

  // 2. The CLI calls with its own audio; the browser answers.
  const cliSpeech = join(testInfo.outputDir, "cli-speech.wav");
  writeWav(cliSpeech, CLI_SPEECH);
  const callRecording = join(testInfo.outputDir, "call.wav");
  const call = await bob.start(["call", "alice", "--send-audio", cliSpeech, "--record", callRecording]);
  await expect(panel).toHaveAttribute("data-state", "incoming", { timeout: 60_000 });
  await screenshots(page, "call-incoming");
  await expect(panel.getByTestId("call-status")).toHaveText("Incoming call from bob");
  await panel.getByRole("button", { name: "Answer audio only" }).click();
  await expect(panel).toHaveAttribute("data-state", "active", { timeout: 60_000 });
  await call.waitForOutput(/In the call with/, 60_000);
  await page.waitForTimeout(1_000);
  const heardByBrowser = await recordCallAudio(page, 4);
  const called = await call.done;
  expect(called.code, called.stdout + called.stderr).toBe(0);
  await expect(panel).toHaveCount(0, { timeout: 10_000 }).catch(() => expect(panel).toHaveAttribute("data-state", "ended"));

  writeWav(join(testInfo.outputDir, "browser-heard.wav"), Int16Array.from(heardByBrowser));
  expectHeard("CLI (parley call) -> browser", CLI_SPEECH, heardByBrowser);
  expectHeard("browser -> CLI (parley call)", BROWSER_SPEECH, readWav(callRecording));
});

test.describe(() => {
  // Stands in for a bridge certificate from a public authority (a browser cannot pin the link's self-made one).
  test.use({ ignoreHTTPSErrors: true });

  test("a call with a CLI user through a bridge, the page's server address blocked: both hear each other", async ({ page, parley }, testInfo) => {
    test.setTimeout(240_000);
    mkdirSync(testInfo.outputDir, { recursive: true });
    const serverPort = Number(new URL(parley.server.url).port);
    const front = await Forwarder.listen(serverPort); // the server's public address, which the network will block
    let bridge: Bridge | undefined;
    try {
      const bob = await parley.registered("bob"); // reaches the server straight
      await registerAt(page, `http://127.0.0.1:${front.port}`, "alice");
      await startDirect(page, "bob");
      await sendText(page, "a call through the bridge?");
      await bob.waitForRequest((r) => r.inviter === "alice" && r.direct);
      await bob.accept("alice");
      await bob.waitForText("a call through the bridge?", "alice");

      bridge = await startBridge(serverPort, join(testInfo.outputDir, "bridge"));
      await front.close();
      // Each WebSocket the page opens from now on, and whether anything came back on it.
      const sockets: { url: string; answered: boolean }[] = [];
      page.on("websocket", (socket) => {
        const seen = { url: socket.url(), answered: false };
        sockets.push(seen);
        socket.on("framereceived", () => (seen.answered = true));
      });
      await addBridge(page, bridge.link);
      await expect(page.getByTestId("connection-banner")).toHaveCount(0, { timeout: 30_000 });
      await page.getByTestId("conversation").filter({ hasText: "bob" }).click();

      const answerRecording = join(testInfo.outputDir, "answer-through-bridge.wav");
      const cliSpeech = join(testInfo.outputDir, "cli-speech-long.wav");
      writeWav(cliSpeech, LONG_CLI_SPEECH);
      const answer = await bob.start(["answer", "--send-audio", cliSpeech, "--record", answerRecording]);
      await page.getByRole("button", { name: "Audio call" }).click();
      const panel = page.getByTestId("call-panel");
      await expect(panel).toHaveAttribute("data-state", "active", { timeout: 60_000 });
      await answer.waitForOutput(/In the call with/, 60_000);
      await page.waitForTimeout(1_000);
      const heardByBrowser = await recordCallAudio(page, 4);
      await page.waitForTimeout(1_000);
      await panel.getByRole("button", { name: "Hang up" }).click();
      const answered = await answer.done;
      expect(answered.code, answered.stdout + answered.stderr).toBe(0);
      writeWav(join(testInfo.outputDir, "browser-heard-through-bridge.wav"), Int16Array.from(heardByBrowser));
      expectHeard("browser -> CLI through a bridge", BROWSER_SPEECH, readWav(answerRecording));
      expectHeard("CLI -> browser through a bridge", LONG_CLI_SPEECH, heardByBrowser);
      // Everything, the call's media included, went through the bridge's tunnels: the page's own
      // address, which the app still tries first in each round, answered nothing.
      const used = sockets.filter((s) => s.answered).map((s) => s.url);
      expect(used.length).toBeGreaterThan(0);
      expect(used.filter((url) => !url.endsWith("/v1/ws/tunnel") || url.includes(`:${serverPort}/`))).toEqual([]);
    } finally {
      if (bridge) await stopProcess(bridge.process);
      await front.close().catch(() => undefined);
    }
  });
});

test("a video call with a CLI user sending synthetic video: the browser skips it and both hear each other", async ({ page, parley }, testInfo) => {
  test.setTimeout(240_000);
  mkdirSync(testInfo.outputDir, { recursive: true });
  const bob = await parley.registered("bob");
  await startDirectWithCli(page, bob, "let us talk");

  // Longer than the first test's: the call must last through the video checks and the recording.
  const cliSpeech = join(testInfo.outputDir, "cli-speech.wav");
  writeWav(cliSpeech, LONG_CLI_SPEECH);
  const callRecording = join(testInfo.outputDir, "call.wav");
  const call = await bob.start(["call", "alice", "--send-audio", cliSpeech, "--record", callRecording, "--video-fps", "10"]);
  const panel = page.getByTestId("call-panel");
  await expect(panel).toHaveAttribute("data-state", "incoming", { timeout: 60_000 });
  // bob's ring offered video (--video-fps), and the panel says so.
  await expect(panel.getByTestId("call-status")).toHaveText("Incoming video call from bob");
  await panel.getByRole("button", { name: "Answer with camera" }).click();
  await expect(panel).toHaveAttribute("data-state", "active", { timeout: 60_000 });
  await call.waitForOutput(/In the call with/, 60_000);

  // The CLI's frames arrive whole and decrypted, and are skipped: bob's name shows instead of a picture.
  const tile = panel.getByTestId("remote-video");
  await expect(tile).toHaveAttribute("data-name", "bob", { timeout: 30_000 });
  await expect.poll(async () => Number(await tile.getAttribute("data-skipped")), { timeout: 30_000 }).toBeGreaterThan(10);
  const heardByBrowser = await recordCallAudio(page, 4);
  expect(await tile.getAttribute("data-decoded")).toBe("0");
  await expect(tile).toContainText("bob: video in a format this browser cannot show");
  await expect(tile.locator("canvas")).toBeHidden();
  await screenshots(page, "call-video-cli");

  const called = await call.done;
  expect(called.code, called.stdout + called.stderr).toBe(0);
  const stats = /video frames sent (\d+), received (\d+), lost (\d+)/.exec(called.stdout);
  const checked = /Video check: 0 frames arrived intact, 0 damaged, (\d+) of a real codec/.exec(called.stdout);
  console.log(`parley call: ${stats?.[0]}; ${checked?.[0]}`);
  expect(stats, called.stdout).not.toBeNull();
  expect(Number(stats![2])).toBeGreaterThan(20);
  // The check listens from the join; frames that beat it are in the stats only.
  expect(Number(checked?.[1])).toBeGreaterThan(20);
  expect(Number(checked?.[1])).toBeLessThanOrEqual(Number(stats![2]));

  writeWav(join(testInfo.outputDir, "browser-heard.wav"), Int16Array.from(heardByBrowser));
  expectHeard("CLI (parley call, with video) -> browser", LONG_CLI_SPEECH, heardByBrowser);
  expectHeard("browser (with video) -> CLI (parley call)", BROWSER_SPEECH, readWav(callRecording));
});
