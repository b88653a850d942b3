// The jitter buffer with simulated time, as Java's JitterBufferTest drives it: order restored,
// losses reported in their turn, duplicates and late frames dropped, memory bounded.
import { describe, expect, it } from "vitest";
import { AUDIO_JITTER, JitterBuffer } from "../../src/core/calls/jitter";

const frame = (n: number) => new Uint8Array([n & 0xff]);

function drain(buffer: JitterBuffer, until: number): (number | "lost")[] {
  const out: (number | "lost")[] = [];
  for (let now = 0; now <= until; now += 5) {
    for (let p = buffer.poll(now); p; p = buffer.poll(now)) out.push(p.payload ? p.payload[0] : "lost");
  }
  return out;
}

describe("jitter buffer", () => {
  it("plays frames in sequence order after the initial delay, whatever order they came in", () => {
    const buffer = new JitterBuffer();
    for (const s of [0, 2, 1, 4, 3]) expect(buffer.offer(s, frame(s), s * 20)).toBe("accepted");
    expect(buffer.poll(AUDIO_JITTER.initialDelayMs - 1)).toBeUndefined();
    expect(drain(buffer, 1000)).toEqual([0, 1, 2, 3, 4]);
  });

  it("reports a missing frame as lost in its turn, and waits instead of conceal when the stream stops", () => {
    const buffer = new JitterBuffer();
    for (const s of [0, 1, 3]) buffer.offer(s, frame(s), s * 20);
    expect(drain(buffer, 2000)).toEqual([0, 1, "lost", 3]);
    expect(buffer.counts).toMatchObject({ played: 3, concealed: 1 });
  });

  it("drops duplicates, before and after playout, and frames after their turn", () => {
    const buffer = new JitterBuffer();
    buffer.offer(0, frame(0), 0);
    expect(buffer.offer(0, frame(0), 1)).toBe("duplicate");
    buffer.offer(2, frame(2), 40);
    expect(drain(buffer, 500)).toEqual([0, "lost", 2]);
    expect(buffer.offer(0, frame(0), 600)).toBe("duplicate");
    expect(buffer.offer(1, frame(1), 600)).toBe("late");
    expect(buffer.offer(1, frame(1), 601)).toBe("duplicate");
  });

  it("holds at most its capacity and resyncs on a jump far ahead", () => {
    const buffer = new JitterBuffer({ ...AUDIO_JITTER, capacityFrames: 4 });
    for (let s = 0; s < 4; s++) expect(buffer.offer(s, frame(s), 0)).toBe("accepted");
    expect(buffer.offer(5, frame(5), 0)).toBe("overflow");
    expect(buffer.size).toBe(4);
    expect(buffer.poll(1000)?.sequence).toBe(0);
    expect(buffer.offer(100, frame(100), 1000)).toBe("accepted");
    expect(buffer.size).toBe(1);
    expect(buffer.poll(10_000)?.sequence).toBe(97);
  });
});
