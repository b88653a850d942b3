// Video fragments from the network, which anyone on the path can forge: FrameReassembler keeps its
// memory bounded (incomplete frames, bytes per frame, finished frames remembered) and drops frames
// whose fragments contradict each other, as Java's FrameReassembler; VP8 recognition tells the
// browser's own frames from what it cannot decode (the Java client's synthetic test frames).
import { describe, expect, it } from "vitest";
import { randomBytes } from "../../src/core/bytes";
import { type MediaPacket, MediaPacketError, decodePacket, encodePacket, fragmentFrame } from "../../src/core/calls/packet";
import { FrameReassembler } from "../../src/core/calls/reassembler";
import { looksLikeVp8 } from "../../src/core/calls/video";

const callId = randomBytes(16);
const fields = { flags: 2, callId, participantId: 3, streamId: 1, sequence: 0, timestamp: 1000n };

function fragment(over: Partial<MediaPacket> = {}): MediaPacket {
  return { ...fields, fragmentIndex: 0, fragmentCount: 2, payload: randomBytes(10), ...over };
}

describe("video frame reassembly", () => {
  it("puts fragments together in any order and forgets nothing it needs", () => {
    const payload = randomBytes(5000);
    const packets = fragmentFrame(fields, payload, 1000).map(decodePacket);
    expect(packets.map((p) => p.fragmentCount)).toEqual([6, 6, 6, 6, 6, 6]);
    const reassembler = new FrameReassembler(4, 10_000);
    const order = [5, 2, 0, 4, 1];
    for (const i of order) expect(reassembler.accept(packets[i])).toBeUndefined();
    const whole = reassembler.accept(packets[3])!;
    expect(whole).toMatchObject({ flags: 2, participantId: 3, streamId: 1, sequence: 0, timestamp: 1000n });
    expect(Buffer.from(whole.payload).equals(Buffer.from(payload))).toBe(true);
    expect(reassembler.pendingFrames).toBe(0);
    // A late copy of a fragment of the finished frame is not taken for a new frame.
    expect(reassembler.accept(packets[2])).toBeUndefined();
    expect(reassembler.pendingFrames).toBe(0);
    expect(reassembler.stats).toMatchObject({ frames: 1, duplicates: 1 });
  });

  it("counts a fragment sent twice (overlapping) once", () => {
    const reassembler = new FrameReassembler(4, 1000);
    expect(reassembler.accept(fragment())).toBeUndefined();
    expect(reassembler.accept(fragment({ payload: randomBytes(500) }))).toBeUndefined();
    expect(reassembler.stats.duplicates).toBe(1);
    expect(reassembler.accept(fragment({ fragmentIndex: 1 }))!.payload).toHaveLength(20);
  });

  it("drops a frame whose fragments disagree on count, timestamp or flags", () => {
    for (const change of [{ fragmentCount: 3 }, { timestamp: 1001n }, { flags: 3 }]) {
      const reassembler = new FrameReassembler(4, 1000);
      reassembler.accept(fragment());
      expect(reassembler.accept(fragment({ fragmentIndex: 1, ...change }))).toBeUndefined();
      expect(reassembler.stats.inconsistent).toBe(1);
      expect(reassembler.pendingFrames).toBe(0);
      // The real second fragment that comes after the forged one does not revive the frame.
      expect(reassembler.accept(fragment({ fragmentIndex: 1 }))).toBeUndefined();
    }
  });

  it("refuses oversized frames: a count no byte limit allows, or bytes beyond it", () => {
    const reassembler = new FrameReassembler(4, 1000);
    expect(reassembler.accept(fragment({ fragmentCount: 1001 }))).toBeUndefined();
    expect(reassembler.pendingFrames).toBe(0);
    reassembler.accept(fragment({ sequence: 1, payload: randomBytes(600) }));
    expect(reassembler.accept(fragment({ sequence: 1, fragmentIndex: 1, payload: randomBytes(600) }))).toBeUndefined();
    expect(reassembler.stats.oversized).toBe(2);
    expect(reassembler.pendingFrames).toBe(0);
  });

  it("holds at most its limit of incomplete frames under a flood of forged first fragments", () => {
    const reassembler = FrameReassembler.forCallVideo();
    for (let sequence = 0; sequence < 1000; sequence++) {
      reassembler.accept(fragment({ sequence, fragmentCount: 65_535, payload: randomBytes(1100) }));
    }
    expect(reassembler.pendingFrames).toBe(16);
    expect(reassembler.stats.abandoned).toBe(1000 - 16);
    // A real frame still gets through afterwards.
    const payload = randomBytes(3000);
    const whole = fragmentFrame({ ...fields, sequence: 9999 }, payload).map((p) => reassembler.accept(decodePacket(p))).find(Boolean);
    expect(whole?.payload).toHaveLength(3000);
  });

  it("never sees a fragment out of range: the packet decoder refuses it first", () => {
    const good = encodePacket(fragment());
    const past = good.slice();
    past[36] = 2; // fragment index 2 of 2
    expect(() => decodePacket(past)).toThrow(MediaPacketError);
    expect(() => encodePacket(fragment({ fragmentIndex: 2 }))).toThrow(RangeError);
    expect(() => fragmentFrame(fields, randomBytes(10), 41)).toThrow("MTU 41");
    expect(() => fragmentFrame(fields, new Uint8Array(65_536 * 2), 43)).toThrow("at most 65535");
  });
});

describe("VP8 recognition", () => {
  // A 3-byte frame tag (key frame, version 0, shown, first partition of 0x30 bytes) with the key frame's start code and a 640x360 size.
  const key = new Uint8Array([0x00 | (1 << 4), 0x06, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01, ...randomBytes(100)]);
  const delta = new Uint8Array([0x01 | (1 << 4), 0x02, 0x00, ...randomBytes(100)]);

  it("takes VP8 key and delta frames whose packets say what they are", () => {
    expect(looksLikeVp8(key, true)).toBe(true);
    expect(looksLikeVp8(delta, false)).toBe(true);
    expect(looksLikeVp8(key, false)).toBe(false);
    expect(looksLikeVp8(delta, true)).toBe(false);
  });

  it("skips the Java client's synthetic frames, truncated frames and sizes of zero", () => {
    const synthetic = new Uint8Array([..."PVF1"].map((c) => c.charCodeAt(0)).concat([...randomBytes(80)]));
    expect(looksLikeVp8(synthetic, true)).toBe(false);
    expect(looksLikeVp8(synthetic, false)).toBe(false);
    expect(looksLikeVp8(key.subarray(0, 9), true)).toBe(false);
    expect(looksLikeVp8(new Uint8Array(2), false)).toBe(false);
    const zeroWidth = key.slice();
    zeroWidth[6] = 0;
    zeroWidth[7] = 0;
    expect(looksLikeVp8(zeroWidth, true)).toBe(false);
  });
});
