// The server's key and signed announcement of alternate addresses (issue 15): verified as the Java
// client verifies them (same label, same bytes, strict RFC 8032), refused whole when anything is
// off, and the address list the browser dials built from what survives.
import { create, toBinary } from "@bufbuild/protobuf";
import { ed25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import { ServerAnnouncementSchema } from "../../src/gen/parley/v1/parley_pb";
import { concat, utf8 } from "../../src/core/bytes";
import { NO_TRUST, addressList, checkServer, trustAtStart, type ServerTrust } from "../../src/core/net/addresses";
import { MAX_ADDRESSES, MAX_ADDRESS_LENGTH, checkAnnouncement, verifyAnnouncement } from "../../src/core/net/announcement";

const serverPrivate = ed25519.utils.randomSecretKey();
const serverKey = ed25519.getPublicKey(serverPrivate);
const otherPrivate = ed25519.utils.randomSecretKey();

function announcement(addresses: string[], issuedAtMs = 1000n): Uint8Array {
  return toBinary(ServerAnnouncementSchema, create(ServerAnnouncementSchema, { addresses, issuedAtMs }));
}

function sign(bytes: Uint8Array, key = serverPrivate): Uint8Array {
  return ed25519.sign(concat(utf8("parley-v1-announcement"), bytes), key);
}

/** A Challenge's claims as a server with `key` sends them. */
function claims(addresses: string[], issuedAtMs = 1000n, key = serverPrivate) {
  const bytes = announcement(addresses, issuedAtMs);
  return { serverKey: ed25519.getPublicKey(key), announcement: bytes, announcementSignature: sign(bytes, key) };
}

const pinned: ServerTrust = { ...NO_TRUST, serverKey };

describe("verifying an announcement", () => {
  it("accepts the server key's signature over the label and the exact bytes", () => {
    const bytes = announcement(["https://chat2.example.org:443"]);
    expect(verifyAnnouncement(serverKey, bytes, sign(bytes))).toBe(true);
    expect(checkAnnouncement(claims(["https://chat2.example.org:443"], 7n), serverKey)).toEqual({
      kind: "verified",
      addresses: ["https://chat2.example.org:443"],
      issuedAtMs: 7n,
    });
  });

  it("refuses another key's signature, altered bytes, and a signature without the label", () => {
    const bytes = announcement(["https://chat2.example.org:443"]);
    expect(verifyAnnouncement(serverKey, bytes, sign(bytes, otherPrivate))).toBe(false);
    const altered = announcement(["https://chat2.example.org:443", "https://evil.example:443"]);
    expect(verifyAnnouncement(serverKey, altered, sign(bytes))).toBe(false);
    expect(verifyAnnouncement(serverKey, bytes, ed25519.sign(bytes, serverPrivate))).toBe(false);
  });

  it("refuses truncated, oversized and empty signatures and keys, and keys that are no point, without throwing", () => {
    const bytes = announcement(["https://a.example"]);
    const signature = sign(bytes);
    for (const [key, sig] of [
      [serverKey, signature.slice(0, 63)],
      [serverKey, concat(signature, new Uint8Array(1))],
      [serverKey, new Uint8Array(0)],
      [serverKey.slice(0, 31), signature],
      [new Uint8Array(0), signature],
      [new Uint8Array(32).fill(0xff), signature],
      [new Uint8Array(32), new Uint8Array(64)],
    ] as const) {
      expect(verifyAnnouncement(key, bytes, sig)).toBe(false);
    }
  });

  it("refuses a malleated signature (S + L), as BouncyCastle does", () => {
    const bytes = announcement(["https://a.example"]);
    const signature = sign(bytes);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(signature[32 + i]);
    s += L;
    const malleated = signature.slice();
    for (let i = 0; i < 32; i++) malleated[32 + i] = Number((s >> BigInt(8 * i)) & 0xffn);
    expect(verifyAnnouncement(serverKey, bytes, malleated)).toBe(false);
  });

  it("refuses signed bytes that do not parse, too many addresses and too long ones, whole", () => {
    const junk = new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(checkAnnouncement({ serverKey, announcement: junk, announcementSignature: sign(junk) }, serverKey)).toMatchObject({ kind: "refused" });
    const many = Array.from({ length: MAX_ADDRESSES + 1 }, (_, i) => `https://a${i}.example`);
    expect(checkAnnouncement(claims(many), serverKey)).toMatchObject({ kind: "refused" });
    expect(checkAnnouncement(claims(["https://a.example/" + "x".repeat(MAX_ADDRESS_LENGTH)]), serverKey)).toMatchObject({ kind: "refused" });
    expect(checkAnnouncement(claims(Array.from({ length: MAX_ADDRESSES }, (_, i) => `https://a${i}.example`)), serverKey).kind).toBe("verified");
  });

  it("reads no announcement as none, and a signature without announcement (or the reverse) as forged", () => {
    expect(checkAnnouncement({ serverKey, announcement: new Uint8Array(0), announcementSignature: new Uint8Array(0) }, serverKey)).toEqual({ kind: "none" });
    const { announcement: bytes, announcementSignature } = claims(["https://a.example"]);
    expect(checkAnnouncement({ serverKey, announcement: bytes, announcementSignature: new Uint8Array(0) }, serverKey).kind).toBe("refused");
    expect(checkAnnouncement({ serverKey, announcement: new Uint8Array(0), announcementSignature }, serverKey).kind).toBe("refused");
  });
});

describe("checking a connection's Challenge against the pinned key", () => {
  it("takes a newer verified announcement, and ignores an older one (a replay) and an equal one", () => {
    const first = checkServer(pinned, claims(["https://b.example"], 2000n));
    expect(first).toMatchObject({ changed: true, trust: { announcedAddresses: ["https://b.example"], announcedAtMs: 2000n } });
    const replay = checkServer(first.trust, claims(["https://evil.example"], 1000n));
    expect(replay).toMatchObject({ changed: false, older: true, trust: { announcedAddresses: ["https://b.example"] } });
    expect(checkServer(first.trust, claims(["https://c.example"], 2000n))).toMatchObject({ changed: false, trust: { announcedAddresses: ["https://b.example"] } });
  });

  it("refuses an announcement not signed by the pinned key and keeps what it held", () => {
    const held = checkServer(pinned, claims(["https://b.example"], 2000n)).trust;
    // Someone in between shows the server's key but signs its own list with another.
    const forged = { ...claims(["https://evil.example"], 9000n, otherPrivate), serverKey };
    const check = checkServer(held, forged);
    expect(check.refused).toMatch(/signature/);
    expect(check.changed).toBe(false);
    expect(check.trust.announcedAddresses).toEqual(["https://b.example"]);
  });

  it("refuses a connection whose server shows another key", () => {
    expect(() => checkServer(pinned, claims(["https://b.example"], 1n, otherPrivate))).toThrow(expect.objectContaining({ code: "SERVER_KEY_CHANGED" }));
    expect(() => checkServer(pinned, { serverKey: new Uint8Array(0), announcement: new Uint8Array(0), announcementSignature: new Uint8Array(0) })).toThrow(/key changed/);
  });

  it("pins the key a profile from before server keys sees first; a server without a key pins nothing", () => {
    expect(checkServer(NO_TRUST, claims([]))).toMatchObject({ changed: true, trust: { serverKey } });
    const keyless = { serverKey: new Uint8Array(0), announcement: new Uint8Array(0), announcementSignature: new Uint8Array(0) };
    expect(checkServer(NO_TRUST, keyless)).toEqual({ trust: NO_TRUST, changed: false });
    expect(checkServer(NO_TRUST, { ...keyless, serverKey: new Uint8Array(31) }).trust.serverKey.length).toBe(0);
  });

  it("at registration or link pins the key given, which the connection must show", () => {
    expect(trustAtStart(serverKey, claims(["https://b.example"])).trust).toMatchObject({ serverKey, announcedAddresses: ["https://b.example"] });
    expect(trustAtStart(new Uint8Array(0), claims([])).trust.serverKey).toEqual(serverKey);
    const approversKey = ed25519.getPublicKey(otherPrivate);
    expect(() => trustAtStart(approversKey, claims([]))).toThrow(expect.objectContaining({ code: "SERVER_KEY_CHANGED" }));
  });
});

describe("the address list", () => {
  it("is the page's origin, the bridges the user added, then each announced address once, with plain http kept but not dialled", () => {
    const bridge = "parley://bridge?host=198.51.100.7&port=443&pin=5zzGW9oB4P6uMS0o0StxHIpqfe4ApL-_vqRHm0rnA-4";
    const added = "parley://bridge?host=203.0.113.9&port=8443";
    const list = addressList(
      "https://chat.example.org:443",
      [` ${added} `, bridge],
      ["https://chat2.example.org", "https://chat.example.org", bridge, "http://plain.example.org:80", "wss://chat3.example.org:8443/c/7f3kq", "https://chat2.example.org:443/"],
      "https://chat2.example.org:443",
    );
    expect(list).toEqual([
      { address: "https://chat.example.org:443", source: "registered", bridge: false, unusable: undefined, lastWorking: false },
      { address: added, source: "added", bridge: true, unusable: undefined, lastWorking: false },
      { address: bridge, source: "added", bridge: true, unusable: undefined, lastWorking: false },
      { address: "https://chat2.example.org:443", source: "announced", bridge: false, unusable: undefined, lastWorking: true },
      { address: "http://plain.example.org:80", source: "announced", bridge: false, unusable: "plain", lastWorking: false },
      { address: "https://chat3.example.org:8443/c/7f3kq", source: "announced", bridge: false, unusable: undefined, lastWorking: false },
    ]);
  });

  it("marks hostile and malformed announced addresses unusable instead of failing", () => {
    const hostile = [
      "javascript:alert(1)",
      "https://user:pw@a.example",
      "https://a.example/?x=1",
      "https://a.example/a/../b",
      "ftp://a.example",
      "",
      "x".repeat(1024),
      "PARLEY://BRIDGE?host=h&port=0",
      "parley://bridge?host=h&port=1&evil=1",
      "parley://bridge?host=a/b&port=1",
      "parley://bridge?host=h&port=1&port=2",
      "parley://bridge?port=1",
      "parley://bridge?host=h&port=1&pin=short",
      "parley://bridge?host=%E0%A4%A&port=1",
    ];
    const list = addressList("http://127.0.0.1:7878", [], hostile, "javascript:alert(1)");
    expect(list[0]).toMatchObject({ address: "http://127.0.0.1:7878", source: "registered" });
    expect(list.slice(1).every((entry) => entry.unusable !== undefined && !entry.lastWorking)).toBe(true);
    expect(list.filter((entry) => entry.bridge && entry.unusable === "malformed")).toHaveLength(7);
  });
});
