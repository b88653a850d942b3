// The WebCodecs path in Chromium (Debian's chromium, no browser download): Chromium's fake
// microphone plays a speech-like WAV file, BrowserCallAudio captures and encodes it to 20 ms Opus
// frames, a second BrowserCallAudio decodes and plays them, and what plays matches the file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "@playwright/test";
import { type ViteDevServer, createServer } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../server";
import { speechLike, wholeCorrelation, writeWav } from "./audio";

const CHROMIUM = "/usr/bin/chromium";
const SENT = speechLike(4, 7);
let dir: string;
let server: ViteDevServer;
let browser: Browser;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "parley-webcodecs-"));
  const wav = join(dir, "speech.wav");
  writeWav(wav, SENT);
  server = await createServer({ root: join(REPO, "web"), configFile: false, logLevel: "error", server: { host: "127.0.0.1", port: 0 } });
  await server.listen();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${wav}`,
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("call audio with WebCodecs in Chromium", () => {
  it("encodes the microphone to 20 ms Opus frames and plays them back as the same audio", async () => {
    const page = await browser.newPage();
    const address = server.httpServer!.address() as { port: number };
    await page.goto(`http://127.0.0.1:${address.port}/test/calls/chromium/loopback.html`);
    await page.waitForFunction(() => "runLoopback" in window);
    type Loopback = { heard: number[]; sizes: number[]; gaps: { count: number; seconds: number } };
    const { heard, sizes, gaps } = await page.evaluate(() => (window as unknown as { runLoopback(s: number): Promise<Loopback> }).runLoopback(3));
    // 3 s of 20 ms frames, less start-up; voice at 32 kbit/s is about 80 bytes a frame.
    expect(sizes.length).toBeGreaterThan(100);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1275);
    // The measure: the whole recording at one lag, only the silence before the first frame left out.
    const match = wholeCorrelation(SENT, heard);
    console.log(`WebCodecs loopback: correlation ${match.correlation.toFixed(3)} over ${match.seconds.toFixed(2)} s; per 0.5 s: ${match.slices.join(" ")}; ` +
      `playout gaps ${gaps.count} (${gaps.seconds.toFixed(3)} s)`);
    expect(match.correlation).toBeGreaterThanOrEqual(0.9);
  });
});
