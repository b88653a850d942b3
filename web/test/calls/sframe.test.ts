// SFrame beyond the vectors: counters, key separation and hostile ciphertexts (RFC 9605 §4.4).
import { describe, expect, it } from "vitest";
import { randomBytes, utf8 } from "../../src/core/bytes";
import { SFrameContext, SFrameKey, UnknownKeyIdError } from "../../src/core/calls/sframe/context";
import { SFrameError, decodeHeader, encodeHeader } from "../../src/core/calls/sframe/header";
import { MlsSFrameKeys, indexBits, kid } from "../../src/core/calls/sframe/mls-keys";
import { AES_128_CTR_HMAC_SHA256_80, AES_128_GCM_SHA256_128 } from "../../src/core/calls/sframe/suite";

const SUITES = [AES_128_GCM_SHA256_128, AES_128_CTR_HMAC_SHA256_80];

async function pair(suite = AES_128_GCM_SHA256_128, kidValue = 7n) {
  const base = randomBytes(16);
  const sender = new SFrameContext(suite);
  const receiver = new SFrameContext(suite);
  sender.addSendKey(await SFrameKey.derive(suite, kidValue, base));
  receiver.addReceiveKey(await SFrameKey.derive(suite, kidValue, base));
  return { sender, receiver };
}

describe("SFrame context", () => {
  for (const suite of SUITES) {
    it(`round-trips with ${suite.name} and counts up from 0`, async () => {
      const { sender, receiver } = await pair(suite);
      const metadata = utf8("header fields");
      const first = await sender.encrypt(7n, metadata, utf8("one"));
      const second = await sender.encrypt(7n, metadata, utf8("two"));
      expect(decodeHeader(first)).toEqual({ kid: 7n, ctr: 0n, length: 1 });
      expect(decodeHeader(second).ctr).toBe(1n);
      expect(new TextDecoder().decode(await receiver.decrypt(metadata, second))).toBe("two");
      expect(new TextDecoder().decode(await receiver.decrypt(metadata, first))).toBe("one");
    });

    it(`refuses altered ciphertext, header and metadata with ${suite.name}`, async () => {
      const { sender, receiver } = await pair(suite, 300n);
      const frame = await sender.encrypt(300n, utf8("m"), utf8("secret audio"));
      for (let i = 0; i < frame.length; i++) {
        const altered = frame.slice();
        altered[i] ^= 0x01;
        await expect(receiver.decrypt(utf8("m"), altered), `byte ${i}`).rejects.toBeInstanceOf(SFrameError);
      }
      await expect(receiver.decrypt(utf8("n"), frame)).rejects.toThrow("SFrame authentication failed");
      await expect(receiver.decrypt(utf8("m"), frame.subarray(0, 5))).rejects.toBeInstanceOf(SFrameError);
    });
  }

  it("refuses empty, truncated and unknown-key frames with clear errors", async () => {
    const { receiver } = await pair();
    await expect(receiver.decrypt(new Uint8Array(0), new Uint8Array(0))).rejects.toThrow("SFrame ciphertext is empty");
    // X set with a 8-byte KID, but only 3 bytes follow.
    await expect(receiver.decrypt(new Uint8Array(0), new Uint8Array([0xf0, 1, 2, 3]))).rejects.toThrow(
      "SFrame header truncated: KID needs 8 bytes, 3 present",
    );
    await expect(receiver.decrypt(new Uint8Array(0), new Uint8Array([0x08]))).rejects.toThrow("CTR needs 1 bytes");
    await expect(receiver.decrypt(new Uint8Array(0), encodeHeader(6n, 0n))).rejects.toBeInstanceOf(UnknownKeyIdError);
  });

  it("keeps sending and receiving keys apart and forgets removed keys", async () => {
    const { sender, receiver } = await pair();
    expect(() => sender.encrypt(8n, new Uint8Array(0), new Uint8Array(0))).toThrow("not a sending key");
    const frame = await sender.encrypt(7n, new Uint8Array(0), utf8("x"));
    await expect(sender.decrypt(new Uint8Array(0), frame)).rejects.toBeInstanceOf(UnknownKeyIdError);
    receiver.removeKey(7n);
    await expect(receiver.decrypt(new Uint8Array(0), frame)).rejects.toBeInstanceOf(UnknownKeyIdError);
    await expect(SFrameKey.derive(AES_128_GCM_SHA256_128, 7n, randomBytes(16)).then((k) => sender.addSendKey(k))).rejects.toThrow(
      "already has a key",
    );
  });

  it("never prints key material", async () => {
    const key = await SFrameKey.derive(AES_128_GCM_SHA256_128, 1n, randomBytes(16));
    expect(String(key)).toBe("SFrameKey[suite=AES_128_GCM_SHA256_128, kid=1, secret=<hidden>]");
    expect(JSON.stringify({ key })).toBe('{"key":"SFrameKey[suite=AES_128_GCM_SHA256_128, kid=1, secret=<hidden>]"}');
  });
});

describe("SFrame keys from MLS (RFC 9605 §5.2)", () => {
  it("lays out KIDs as Java's MlsSFrameKeys", () => {
    expect(indexBits(1)).toBe(0);
    expect(indexBits(2)).toBe(1);
    expect(indexBits(3)).toBe(2);
    expect(indexBits(4)).toBe(2);
    expect(indexBits(5)).toBe(3);
    // sender 3 of a 5-leaf group in epoch 0x23 with E = 4: (3 << 4) + 3
    expect(kid(0n, 3, 0x23n, indexBits(5), 4)).toBe(0x33n);
    expect(kid(1n, 0, 17n, 1, 4)).toBe((1n << 5n) + 1n);
  });

  it("gives each member its own key, and drops the epoch 2^E earlier", async () => {
    const base = randomBytes(16);
    const alice = new MlsSFrameKeys(AES_128_GCM_SHA256_128, 4);
    const bob = new MlsSFrameKeys(AES_128_GCM_SHA256_128, 4);
    await alice.enterEpoch(1n, 0, [0, 1], 2, base);
    await bob.enterEpoch(1n, 1, [0, 1], 2, base);
    const fromAlice = await alice.encrypt(utf8("m"), utf8("hello"));
    expect(new TextDecoder().decode(await bob.decrypt(utf8("m"), fromAlice))).toBe("hello");
    // Alice cannot open her own frames: her KID is a sending key only.
    await expect(alice.decrypt(utf8("m"), fromAlice)).rejects.toBeInstanceOf(UnknownKeyIdError);
    // Epoch 2 keeps epoch 1; epoch 17 shares slot 1 and its KIDs, so epoch 1's frames meet epoch 17's keys.
    const base2 = randomBytes(16);
    await bob.enterEpoch(2n, 1, [0, 1], 2, base2);
    expect(new TextDecoder().decode(await bob.decrypt(utf8("m"), fromAlice))).toBe("hello");
    await bob.enterEpoch(17n, 1, [0, 1], 2, randomBytes(16));
    await expect(bob.decrypt(utf8("m"), fromAlice)).rejects.toThrow("SFrame authentication failed");
  });

  it("refuses a base key of the wrong length and encryption before any epoch", async () => {
    const keys = new MlsSFrameKeys(AES_128_GCM_SHA256_128, 4);
    expect(() => keys.encrypt(new Uint8Array(0), new Uint8Array(0))).toThrow("no epoch entered yet");
    await expect(keys.enterEpoch(0n, 0, [0], 1, randomBytes(32))).rejects.toThrow("wants 16 base key bytes");
    expect(() => new MlsSFrameKeys(AES_128_GCM_SHA256_128, 0)).toThrow("epoch bits");
  });
});
