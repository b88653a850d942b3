// Media packets from the network: malformed, truncated, oversized and hostile input fails with a
// clear MediaPacketError; fragmentation and reassembly are bounded as in Java's FrameReassembler.
import { describe, expect, it } from "vitest";
import { randomBytes } from "../../src/core/bytes";
import {
  FLAG_KEY_FRAME, FLAG_VIDEO, FrameReassembler, HEADER_BYTES, MAX_PACKET_BYTES, type MediaFrame, MediaPacketError,
  decodePacket, encodePacket, fragmentFrame, restoreCallId, stripCallId,
} from "../../src/core/calls/packet";

const callId = randomBytes(16);
const fields = { flags: 0, callId, participantId: 0xfffffffe, streamId: 0, sequence: 0xffffffff, timestamp: -5n };

function packet(payload = randomBytes(20)) {
  return encodePacket({ ...fields, fragmentIndex: 0, fragmentCount: 1, payload });
}

describe("media packet decoding", () => {
  it("round-trips every field at its limits", () => {
    const decoded = decodePacket(packet(new Uint8Array([1, 2, 3])));
    expect(decoded).toMatchObject({ participantId: 0xfffffffe, sequence: 0xffffffff, timestamp: -5n, fragmentCount: 1 });
    expect([...decoded.payload]).toEqual([1, 2, 3]);
  });

  it("refuses truncated, oversized and inconsistent packets with the offending byte named", () => {
    const good = packet();
    const expectError = (bytes: Uint8Array, message: string) => {
      expect(() => decodePacket(bytes)).toThrow(MediaPacketError);
      expect(() => decodePacket(bytes)).toThrow(message);
    };
    expectError(new Uint8Array(0), "truncated: 0 bytes, header needs 41");
    expectError(good.subarray(0, HEADER_BYTES - 1), "truncated");
    expectError(new Uint8Array(MAX_PACKET_BYTES + 1), "exceeds 65507");
    const version = good.slice();
    version[0] = 2;
    expectError(version, "version 2 at byte 0");
    const flags = good.slice();
    flags[1] = 0x80;
    expectError(flags, "flags 0x80 at byte 1 set unknown bits");
    const zeroCount = good.slice();
    zeroCount[37] = 0;
    zeroCount[38] = 0;
    expectError(zeroCount, "index must be below a non-zero count");
    const indexPastCount = good.slice();
    indexPastCount[36] = 1;
    expectError(indexPastCount, "fragment 1 of 1");
    expectError(good.subarray(0, good.length - 1), "payload length 20 at byte 39, but 19 bytes follow");
    expectError(new Uint8Array([...good, 0]), "but 21 bytes follow");
  });

  it("survives random garbage without anything but MediaPacketError", () => {
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(Math.floor(Math.random() * 80));
      if (i % 2 === 0 && bytes.length > 0) bytes[0] = 1;
      try {
        decodePacket(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(MediaPacketError);
      }
    }
  });

  it("refuses to encode fields out of range", () => {
    expect(() => encodePacket({ ...fields, participantId: 2 ** 32, fragmentIndex: 0, fragmentCount: 1, payload: new Uint8Array(1) })).toThrow(
      "out of range",
    );
    expect(() => encodePacket({ ...fields, flags: 4, fragmentIndex: 0, fragmentCount: 1, payload: new Uint8Array(1) })).toThrow("out of range");
    expect(() => encodePacket({ ...fields, fragmentIndex: 1, fragmentCount: 1, payload: new Uint8Array(1) })).toThrow("out of range");
  });
});

describe("call id cut out for the relay", () => {
  it("strips and restores, and refuses another call's packet or a stub", () => {
    const bytes = packet();
    const relayed = stripCallId(bytes, callId);
    expect(relayed.length).toBe(bytes.length - 16);
    expect([...restoreCallId(relayed, callId)!]).toEqual([...bytes]);
    expect(() => stripCallId(bytes, randomBytes(16))).toThrow("not a media packet of this call");
    expect(restoreCallId(new Uint8Array(24), callId)).toBeUndefined();
  });
});

describe("fragmentation and reassembly", () => {
  const frame: MediaFrame = { ...fields, flags: FLAG_VIDEO | FLAG_KEY_FRAME, streamId: 1, sequence: 5, payload: randomBytes(5000) };

  it("splits to the MTU and puts frames back together in any order, once", () => {
    const packets = fragmentFrame(frame, 1200);
    expect(packets).toHaveLength(Math.ceil(5000 / (1200 - HEADER_BYTES)));
    for (const p of packets) expect(encodePacket(p).length).toBeLessThanOrEqual(1200);
    const reassembler = FrameReassembler.forVideo();
    const shuffled = [...packets].reverse();
    const done = shuffled.map((p) => reassembler.accept(decodePacket(encodePacket(p))));
    expect(done.slice(0, -1).every((d) => d === undefined)).toBe(true);
    expect([...done.at(-1)!.payload]).toEqual([...frame.payload]);
    expect(reassembler.accept(packets[0])).toBeUndefined();
    expect(reassembler.pendingFrames).toBe(0);
  });

  it("drops a frame whose fragments disagree, and frames over the byte limit", () => {
    const reassembler = new FrameReassembler(4, 3000);
    const packets = fragmentFrame(frame, 1200);
    reassembler.accept(packets[0]);
    expect(reassembler.accept({ ...packets[1], timestamp: 99n })).toBeUndefined();
    expect(reassembler.pendingFrames).toBe(0);
    const big = fragmentFrame({ ...frame, sequence: 6 }, 1200);
    expect(big.map((p) => reassembler.accept(p)).every((d) => d === undefined)).toBe(true);
    expect(reassembler.accept({ ...big[0], sequence: 7, fragmentIndex: 0, fragmentCount: 60000 })).toBeUndefined();
    expect(reassembler.pendingFrames).toBe(0);
  });

  it("holds at most the configured number of incomplete frames", () => {
    const reassembler = new FrameReassembler(2, 1 << 20);
    for (let s = 0; s < 5; s++) reassembler.accept(fragmentFrame({ ...frame, sequence: s }, 1200)[0]);
    expect(reassembler.pendingFrames).toBe(2);
  });
});
