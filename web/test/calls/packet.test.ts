// Media packets from the network: malformed, truncated, oversized and hostile input fails with a
// clear MediaPacketError, as Java's MediaPacket.decode.
import { describe, expect, it } from "vitest";
import { randomBytes } from "../../src/core/bytes";
import { HEADER_BYTES, MAX_PACKET_BYTES, MediaPacketError, decodePacket, encodePacket, restoreCallId, stripCallId } from "../../src/core/calls/packet";

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
    const fragment = decodePacket(encodePacket({ ...fields, flags: 3, streamId: 1, fragmentIndex: 65534, fragmentCount: 65535, payload: new Uint8Array(0) }));
    expect(fragment).toMatchObject({ flags: 3, streamId: 1, fragmentIndex: 65534, fragmentCount: 65535 });
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
