// Test audio for calls: a speech-like signal as Java's Signals.speechLike makes it (a voiced tone
// with gliding pitch and harmonics, in syllable-rate bursts, with breath noise), 16-bit mono WAV
// files at 48 kHz as Java's WavFiles reads and writes them, and the normalized cross-correlation
// of Java's CrossCorrelation, the measure of whether a recording is the audio that was sent.
import { readFileSync, writeFileSync } from "node:fs";

export const RATE = 48_000;

/** A small seeded generator (mulberry32): the same seed gives the same audio. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function speechLike(seconds: number, seed: number): Int16Array {
  const n = Math.round(seconds * RATE);
  const next = random(seed);
  const out = new Int16Array(n);
  let phase = 0;
  let pitch = 140;
  let pitchTarget = 140;
  for (let i = 0; i < n; i++) {
    if (i % 2400 === 0) pitchTarget = 100 + next() * 120;
    pitch += (pitchTarget - pitch) * 0.0005;
    phase += (2 * Math.PI * pitch) / RATE;
    const syllable = 0.55 + 0.45 * Math.sin((2 * Math.PI * 4.0 * i) / RATE);
    let voiced = 0;
    for (let harmonic = 1; harmonic <= 8; harmonic++) voiced += Math.sin(harmonic * phase) / harmonic;
    const breath = (next() - 0.5) * 0.05;
    out[i] = Math.round(32767 * 0.3 * (syllable * voiced * 0.6 + breath));
  }
  return out;
}

export function writeWav(path: string, samples: Int16Array): void {
  const out = Buffer.alloc(44 + samples.length * 2);
  out.write("RIFF", 0, "ascii");
  out.writeUInt32LE(36 + samples.length * 2, 4);
  out.write("WAVEfmt ", 8, "ascii");
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(RATE, 24);
  out.writeUInt32LE(RATE * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write("data", 36, "ascii");
  out.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i], 44 + 2 * i);
  writeFileSync(path, out);
}

/** Reads a 16-bit PCM mono WAV file at 48 kHz (chunks other than fmt and data are skipped). */
export function readWav(path: string): Int16Array {
  const bytes = readFileSync(path);
  if (bytes.toString("ascii", 0, 4) !== "RIFF" || bytes.toString("ascii", 8, 12) !== "WAVE") throw new Error(`${path} is not a WAV file`);
  let at = 12;
  let format: { channels: number; rate: number; bits: number } | undefined;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString("ascii", at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === "fmt ") format = { channels: bytes.readUInt16LE(at + 10), rate: bytes.readUInt32LE(at + 12), bits: bytes.readUInt16LE(at + 22) };
    if (id === "data") {
      if (!format || format.channels !== 1 || format.rate !== RATE || format.bits !== 16) throw new Error(`${path} is not 16-bit mono at 48 kHz`);
      const length = Math.min(size, bytes.length - at - 8) >> 1;
      const out = new Int16Array(length);
      for (let i = 0; i < length; i++) out[i] = bytes.readInt16LE(at + 8 + 2 * i);
      return out;
    }
    at += 8 + size + (size & 1);
  }
  throw new Error(`${path} has no data chunk`);
}

/**
 * CrossCorrelation.align of Java: the lag 0..maxLag of `recorded` behind `reference` with the
 * highest normalized correlation over the overlapping samples.
 */
export function align(reference: ArrayLike<number>, recorded: ArrayLike<number>, maxLag: number): { lag: number; correlation: number } {
  const prefix = (x: ArrayLike<number>) => {
    const sums = new Float64Array(x.length + 1);
    for (let i = 0; i < x.length; i++) sums[i + 1] = sums[i] + x[i] * x[i];
    return sums;
  };
  const xEnergy = prefix(reference);
  const yEnergy = prefix(recorded);
  let best = { lag: 0, correlation: 0 };
  for (let lag = 0; lag <= maxLag && lag < recorded.length; lag++) {
    const length = Math.min(reference.length, recorded.length - lag);
    let dot = 0;
    for (let i = 0; i < length; i++) dot += reference[i] * recorded[i + lag];
    const energy = xEnergy[length] * (yEnergy[lag + length] - yEnergy[lag]);
    const correlation = energy > 0 ? dot / Math.sqrt(energy) : 0;
    if (correlation > best.correlation) best = { lag, correlation };
  }
  return best;
}

/** Mean of every `factor` samples: a crude low-pass and decimation, enough to find a lag roughly. */
function decimate(x: ArrayLike<number>, factor: number): Float64Array {
  const out = new Float64Array(Math.floor(x.length / factor));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let j = 0; j < factor; j++) sum += x[i * factor + j];
    out[i] = sum / factor;
  }
  return out;
}

/**
 * How well a stretch of `heard` matches the looped `sent` audio, wherever in the loop it started
 * (Chromium's fake microphone plays its file in a loop from wherever it is when capture starts):
 * the `windowSeconds` after `skipSeconds` of what was heard, aligned against two periods of the
 * sent audio, first roughly on 8-fold decimated audio, then exactly around that lag.
 */
export function loopedCorrelation(sent: Int16Array, heard: ArrayLike<number>, skipSeconds: number, windowSeconds: number): { lag: number; correlation: number } {
  const start = Math.round(skipSeconds * RATE);
  const window = Float64Array.from({ length: Math.round(windowSeconds * RATE) }, (_, i) => heard[start + i] ?? 0);
  const twice = new Int16Array(sent.length * 2);
  twice.set(sent);
  twice.set(sent, sent.length);
  const factor = 8;
  const rough = align(decimate(window, factor), decimate(twice, factor), sent.length / factor);
  const from = Math.max(0, rough.lag * factor - 2 * factor);
  const exact = align(window, twice.subarray(from), 4 * factor);
  return { lag: from + exact.lag, correlation: exact.correlation };
}

/** Where the first sound is in `heard` (the first sample above 1 % of full scale): what came before is silence before the first frame arrived. */
export function firstSound(heard: ArrayLike<number>): number {
  for (let i = 0; i < heard.length; i++) if (Math.abs(heard[i]) > 327) return i;
  return heard.length;
}

/** Longest shift of the timeline between two slices: the jitter buffer's largest delay (AUDIO_JITTER.maxDelayMs). */
const MAX_SLIP_SECONDS = 0.5;

/**
 * The measure: how well the whole of `heard` is the `sent` audio. The leading silence
 * before the first frame arrived is left out, the lag is found on the first `alignSeconds` after
 * it (sent may be looped, as Chromium's fake microphone loops its file), and every sample from
 * there to the end, but a `tailSeconds` tail, is compared with sent, slice by slice.
 *
 * A receiver's adaptive jitter buffer moves the timeline when the network or the page stalls: it
 * plays silence while it waits, then plays what arrived late, so everything after a stall is
 * heard later than before it (and earlier again as the delay decays). A listener hears a short
 * gap; one lag for the whole recording would instead call everything after it wrong. So each
 * `sliceSeconds` slice is compared at its own lag, searched within MAX_SLIP_SECONDS of the previous
 * slice's, and the correlation is that of all slices together (every sample counts, and a slice
 * holding a gap scores the gap). `slips` counts the slices whose lag moved by more than a
 * millisecond; `slices` gives each slice's correlation.
 */
export function wholeCorrelation(sent: Int16Array, heard: ArrayLike<number>, alignSeconds = 1, tailSeconds = 0.5, sliceSeconds = 0.5) {
  const start = firstSound(heard);
  const end = heard.length - Math.round(tailSeconds * RATE);
  let { lag } = loopedCorrelation(sent, heard, start / RATE, alignSeconds);
  const slice = Math.round(sliceSeconds * RATE);
  const maxSlip = Math.round(MAX_SLIP_SECONDS * RATE);
  const sentAt = (index: number) => sent[((index % sent.length) + sent.length) % sent.length];
  let dot = 0;
  let heardEnergy = 0;
  let sentEnergy = 0;
  let slips = 0;
  const slices: number[] = [];
  for (let at = start; at < end; at += slice) {
    const to = Math.min(end, at + slice);
    const window = Float64Array.from({ length: to - at }, (_, i) => heard[at + i]);
    // Sent audio around where the previous lag puts this slice, maxSlip either side.
    const base = lag + at - start - maxSlip;
    const around = Float64Array.from({ length: window.length + 2 * maxSlip }, (_, i) => sentAt(base + i));
    const shift = lagWithin(window, around, 2 * maxSlip) - maxSlip;
    if (Math.abs(shift) > RATE / 1000) slips++;
    lag += shift;
    let sliceDot = 0;
    let sliceHeard = 0;
    let sliceSent = 0;
    for (let i = at; i < to; i++) {
      const x = sentAt(lag + i - start);
      const y = heard[i];
      sliceDot += x * y;
      sliceHeard += y * y;
      sliceSent += x * x;
    }
    dot += sliceDot;
    heardEnergy += sliceHeard;
    sentEnergy += sliceSent;
    if (to - at === slice) slices.push(Math.round((sliceHeard > 0 && sliceSent > 0 ? sliceDot / Math.sqrt(sliceHeard * sliceSent) : 0) * 100) / 100);
  }
  const correlation = heardEnergy > 0 && sentEnergy > 0 ? dot / Math.sqrt(heardEnergy * sentEnergy) : 0;
  return { correlation, startSeconds: start / RATE, seconds: Math.max(0, end - start) / RATE, slices, slips };
}

/** The lag 0..maxLag of `window` within `around`: roughly on 8-fold decimated audio, then exactly near it. */
function lagWithin(window: Float64Array, around: Float64Array, maxLag: number): number {
  const factor = 8;
  const rough = align(decimate(window, factor), decimate(around, factor), Math.floor(maxLag / factor));
  const from = Math.max(0, rough.lag * factor - 2 * factor);
  const exact = align(window, around.subarray(from), Math.min(4 * factor, maxLag - from));
  return from + exact.lag;
}
