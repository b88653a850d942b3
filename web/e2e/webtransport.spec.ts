// Browser call media over WebTransport datagrams (issue 14), through a real server started with
// --webtransport-port: the browser calls a CLI user, who records; what the CLI heard must match the
// browser's fake microphone (correlation at least 0.9, as in calls.spec.ts), and the server's
// per-transport counters on /metrics must show the media came as WebTransport datagrams. Then the
// same call with UDP to the WebTransport port blocked: no WebTransport session, and the call still
// works over the WebSocket. (Chromium's --disable-quic does not stop WebTransport, so it blocks nothing.)
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { readWav, speechLike, wholeCorrelation, writeWav } from "../test/calls/audio";
import { expect, test, type ParleyWorld } from "./harness";
import { browserAndCliInOneChat } from "./ui-steps";

// 30 s: Chromium's fake microphone jumps where it loops its file, which the whole-recording measure would count.
const BROWSER_SPEECH = speechLike(30, 7);
const FILES = join(tmpdir(), "parley-e2e-webtransport");
const BROWSER_WAV = join(FILES, "browser-speech.wav");
mkdirSync(FILES, { recursive: true });
writeWav(BROWSER_WAV, BROWSER_SPEECH);
const MIN_CORRELATION = 0.9;
const CHROMIUM_ARGS = [
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
  `--use-file-for-fake-audio-capture=${BROWSER_WAV}`,
  "--autoplay-policy=no-user-gesture-required",
];

test.use({
  locale: "en-US",
  launchOptions: { executablePath: process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS },
  serverOptions: { extraArgs: ["--webtransport-port", "0", "--admin-listen", "127.0.0.1:0"] },
});

/** The server's WebTransport counters, from /metrics on its admin listener. */
async function webTransportCounters(parley: ParleyWorld): Promise<Record<string, number>> {
  const admin = /admin: \/metrics and \/healthz on (http:\/\/[^\s]+)/.exec(parley.server.log)?.[1];
  if (!admin) throw new Error(`the server named no admin listener:\n${parley.server.log}`);
  const text = await (await fetch(`${admin}/metrics`)).text();
  const counters: Record<string, number> = {};
  for (const [, name, value] of text.matchAll(/^parley_webtransport_(\w+)_total (\d+)$/gm)) counters[name] = Number(value);
  return counters;
}

/** The browser calls bob, who answers and records 6 s; returns how well bob's recording matches the browser's audio. */
async function callAndRecord(page: Page, parley: ParleyWorld, outputDir: string): Promise<number> {
  mkdirSync(outputDir, { recursive: true });
  const bob = await browserAndCliInOneChat(page, parley, "alice", "bob");
  const recording = join(outputDir, "answer.wav");
  const answer = await bob.start(["answer", "--record", recording]);
  await page.getByRole("button", { name: "Audio call" }).click();
  const panel = page.getByTestId("call-panel");
  await expect(panel).toHaveAttribute("data-state", "active", { timeout: 60_000 });
  await answer.waitForOutput(/In the call with/, 60_000);
  await page.waitForTimeout(6_000);
  await panel.getByRole("button", { name: "Hang up" }).click();
  const answered = await answer.done;
  expect(answered.code, answered.stdout + answered.stderr).toBe(0);
  // The measure, as in calls.spec.ts: the whole recording after its leading silence, at one lag.
  return wholeCorrelation(BROWSER_SPEECH, readWav(recording)).correlation;
}

test("a browser call sends its media as WebTransport datagrams", async ({ page, parley }, testInfo) => {
  test.setTimeout(240_000);
  const correlation = await callAndRecord(page, parley, testInfo.outputDir);
  const counters = await webTransportCounters(parley);
  console.log(`over WebTransport: correlation ${correlation.toFixed(3)}, server counters ${JSON.stringify(counters)}`);
  expect(counters.sessions_opened).toBeGreaterThanOrEqual(1);
  // 6 s of 20 ms audio frames is 300 datagrams; the relay answered (JOINED, PONGs) over the same session.
  expect(counters.datagrams_received).toBeGreaterThanOrEqual(200);
  expect(counters.datagrams_sent).toBeGreaterThanOrEqual(1);
  expect(correlation).toBeGreaterThanOrEqual(MIN_CORRELATION);
});

test("with UDP to the WebTransport port blocked, the call falls back to the WebSocket", async ({ page, parley }, testInfo) => {
  test.setTimeout(240_000);
  // The app is sent to a UDP port where nothing listens (the server's TCP port), as when a network drops UDP.
  await page.addInitScript(() => {
    const Original = window.WebTransport;
    window.WebTransport = class extends Original {
      constructor(url: string | URL, options?: WebTransportOptions) {
        const blocked = new URL(url);
        blocked.port = location.port;
        super(blocked, options);
      }
    };
  });
  const correlation = await callAndRecord(page, parley, testInfo.outputDir);
  const counters = await webTransportCounters(parley);
  console.log(`UDP blocked: correlation ${correlation.toFixed(3)}, server counters ${JSON.stringify(counters)}`);
  expect(counters.sessions_opened).toBe(0);
  expect(counters.datagrams_received).toBe(0);
  expect(correlation).toBeGreaterThanOrEqual(MIN_CORRELATION);
});
