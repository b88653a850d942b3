// The call tests' measure itself (audio.ts wholeCorrelation): it must forgive what an adaptive
// jitter buffer does to a timeline (a gap, after which everything is heard later), and still fail
// audio that is not the sent audio.
import { describe, expect, it } from "vitest";
import { RATE, speechLike, wholeCorrelation } from "./audio";

const SENT = speechLike(8, 3);

/** What a receiver plays: `silenceMs` of silence, then the sent audio from `from` seconds, for `seconds`. */
function heard(parts: Array<{ silenceMs?: number; from?: number; seconds?: number; noise?: boolean }>): Int16Array {
  const out: number[] = [];
  let seed = 11;
  for (const part of parts) {
    for (let i = 0; i < Math.round(((part.silenceMs ?? 0) * RATE) / 1000); i++) out.push(0);
    const from = Math.round((part.from ?? 0) * RATE);
    for (let i = 0; i < Math.round((part.seconds ?? 0) * RATE); i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      out.push(part.noise ? ((seed >> 8) % 16000) - 8000 : SENT[(from + i) % SENT.length]);
    }
  }
  return Int16Array.from(out);
}

describe("the whole-recording correlation of the call tests", () => {
  it("is near 1 for the sent audio as it was sent, with no slip", () => {
    const match = wholeCorrelation(SENT, heard([{ silenceMs: 300, from: 1, seconds: 6 }]));
    expect(match.correlation).toBeGreaterThan(0.99);
    expect(match.slips).toBe(0);
  });

  it("forgives a stall that moves the timeline (a gap, then what came late), counting one slip", () => {
    const match = wholeCorrelation(SENT, heard([{ silenceMs: 200, from: 1, seconds: 2.3 }, { silenceMs: 80, from: 3.3, seconds: 3.5 }]));
    expect(match.correlation).toBeGreaterThan(0.9);
    expect(match.slips).toBe(1);
  });

  it("fails audio that is not the sent audio, in part or in whole", () => {
    expect(wholeCorrelation(SENT, heard([{ silenceMs: 200, from: 1, seconds: 2 }, { noise: true, seconds: 4 }])).correlation).toBeLessThan(0.9);
    expect(wholeCorrelation(SENT, heard([{ noise: true, seconds: 6 }])).correlation).toBeLessThan(0.2);
    expect(wholeCorrelation(SENT, heard([{ from: 1, seconds: 2 }, { silenceMs: 2000 }, { from: 5, seconds: 2 }])).correlation).toBeLessThan(0.9);
  });
});
