import { describe, expect, it } from "vitest";
import { joinDatagram } from "../../src/core/calls/webtransport";

// The layout the server's JoinDatagram parses: type | token (57) | time (8) | nonce (16) | address (16) | port (2) | MAC (32).
describe("WebTransport JOIN datagram", () => {
  const token = new Uint8Array(57).fill(7);
  const joinKey = new Uint8Array(32).fill(9);

  it("is the relay's 132-byte JOIN, naming the port, MACed under the join key", async () => {
    const before = Date.now();
    const join = await joinDatagram(token, joinKey, 4433);
    expect(join.length).toBe(132);
    expect(join[0]).toBe(0x01);
    expect(join.subarray(1, 58)).toEqual(token);
    const view = new DataView(join.buffer);
    const time = Number(view.getBigInt64(58));
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Date.now());
    expect(join.subarray(82, 98)).toEqual(new Uint8Array(16));
    expect(view.getUint16(98)).toBe(4433);
    const key = await crypto.subtle.importKey("raw", joinKey, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    const signed = new Uint8Array([...new TextEncoder().encode("parley-v1-join"), ...join.subarray(1, 100)]);
    expect(await crypto.subtle.verify("HMAC", key, join.slice(100), signed)).toBe(true);
    const otherKey = await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    expect(await crypto.subtle.verify("HMAC", otherKey, join.slice(100), signed)).toBe(false);
  });

  it("uses a fresh nonce every time, so the relay never sees one twice", async () => {
    const first = await joinDatagram(token, joinKey, 1);
    const second = await joinDatagram(token, joinKey, 1);
    expect(first.subarray(66, 82)).not.toEqual(second.subarray(66, 82));
  });
});
