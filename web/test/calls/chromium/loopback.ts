// A test page for the WebCodecs path in Chromium: the fake microphone through BrowserCallAudio's
// capture and Opus encoder, straight into another BrowserCallAudio's decoder and playout, and what
// plays recorded from its remote stream. webcodecs.test.ts drives it with Playwright.
import { BrowserCallAudio, SAMPLE_RATE } from "../../../src/core/calls/webcodecs";

declare const MediaStreamTrackProcessor: { new (init: { track: MediaStreamTrack }): { readable: ReadableStream<AudioData> } };

async function record(stream: MediaStream, seconds: number): Promise<Float32Array> {
  const reader = new MediaStreamTrackProcessor({ track: stream.getAudioTracks()[0] }).readable.getReader();
  const out = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  let at = 0;
  while (at < out.length) {
    const { value } = await reader.read();
    if (!value) break;
    if (value.sampleRate !== SAMPLE_RATE) throw new Error(`playout at ${value.sampleRate} Hz`);
    const chunk = new Float32Array(value.numberOfFrames);
    value.copyTo(chunk, { planeIndex: 0, format: "f32-planar" });
    value.close();
    out.set(chunk.subarray(0, out.length - at), at);
    at += chunk.length;
  }
  await reader.cancel();
  return out;
}

async function runLoopback(seconds: number) {
  const sender = new BrowserCallAudio();
  const receiver = new BrowserCallAudio();
  const sizes: number[] = [];
  await sender.startCapture((opus) => {
    sizes.push(opus.length);
    receiver.play(1, opus);
  });
  const heard = await record(receiver.remoteStream, seconds);
  const gaps = receiver.playoutGaps;
  sender.close();
  receiver.close();
  return { heard: Array.from(heard, (s) => Math.round(s * 32767)), sizes, gaps };
}

(window as unknown as { runLoopback: typeof runLoopback }).runLoopback = runLoopback;
