// Byte compatibility with the Java client and protocol modules: padding, payload wrapping, mailbox
// sealing, commit authority and device certificates, each checked both ways against the Java
// classes themselves; then hostile inputs, which must fail with a clear error.
import { describe, expect, it } from "vitest";
import { fromHex, randomBytes, toHex, utf8 } from "../../src/core/bytes";
import { MIN_PADDED_BYTES, pad, paddedLength, padme, unpad } from "../../src/core/wire/padding";
import { groupKey, unwrap, UnwrapError, wrapGroupMessage, wrapWelcome } from "../../src/core/wire/payloadWrap";
import { openMailboxCopy, sealToMailbox } from "../../src/core/wire/mailboxSeal";
import { generateX25519KeyPair, hpkeSeal } from "../../src/core/wire/hpke";
import { commitKeyFromSeed, commitSignedContent, routingId } from "../../src/core/wire/commitAuthority";
import { certifies, certify, newSigningKey } from "../../src/core/account/certificates";
import { java } from "./java";

const LENGTHS = [0, 1, 2, 100, 254, 255, 256, 300, 1000, 4097, 70_000, 200_000];
const hex = (b: Uint8Array) => (b.length === 0 ? "-" : toHex(b));

describe("wire bytes are Java's", () => {
  it("pads, wraps, seals, routes, signs and certifies exactly as the Java classes do, both ways", async () => {
    const contents = LENGTHS.map((n) => randomBytes(n));
    const groupId = randomBytes(32);
    const key = await groupKey(groupId);
    const mailbox = generateX25519KeyPair();
    const tsWrapped = await Promise.all(contents.slice(0, 6).map((c) => wrapGroupMessage(key, c)));
    const javaMailbox = (await java(["mailbox-keys"]))[0].split(" ").map(fromHex);
    const sealedForJava = await sealToMailbox(javaMailbox[1], contents[4]);
    const routing = routingId(groupId);
    const nextKey = commitKeyFromSeed(randomBytes(32)).publicKey;
    const account = newSigningKey();
    const deviceKey = newSigningKey().publicKey;
    const accountId = randomBytes(16);
    const certificate = certify(account.privateKey, accountId, deviceKey);

    const commands = [
      ...contents.map((c) => `pad ${hex(c)}`),
      ...tsWrapped.map((w) => `unwrap ${toHex(groupId)} ${toHex(w)}`),
      ...contents.slice(0, 6).map((c) => `wrap-group ${toHex(groupId)} ${hex(c)}`),
      `wrap-welcome ${hex(contents[3])}`,
      `unwrap ${toHex(groupId)} ${toHex(wrapWelcome(contents[3]))}`,
      `seal ${toHex(mailbox.publicKey)} ${hex(contents[5])}`,
      `open ${toHex(javaMailbox[0])} ${toHex(javaMailbox[1])} ${toHex(sealedForJava)}`,
      `routing ${toHex(groupId)}`,
      `commit-content ${toHex(routing)} 29 ${hex(contents[4])} - ${toHex(nextKey)}`,
      `commit-content ${toHex(routing)} 7fffffffffffffff ${hex(contents[2])} ${hex(contents[3])} ${toHex(nextKey)}`,
      `certifies ${toHex(account.publicKey)} ${toHex(accountId)} ${toHex(deviceKey)} ${toHex(certificate)}`,
    ];
    const answers = await java(commands);
    let i = 0;
    for (const c of contents) {
      const javaPadded = fromHex(answers[i++]);
      expect(javaPadded).toEqual(pad(c));
      expect(unpad(javaPadded)).toEqual(c);
    }
    for (const c of contents.slice(0, 6)) expect(answers[i++]).toBe(`group ${toHex(c)}`);
    for (const c of contents.slice(0, 6)) {
      const unwrapped = await unwrap(fromHex(answers[i++]), [await groupKey(randomBytes(32)), key]);
      expect(unwrapped).toEqual({ kind: "group", groupId, mlsMessage: c });
    }
    expect(fromHex(answers[i++])).toEqual(wrapWelcome(contents[3]));
    expect(answers[i++]).toBe(`welcome ${toHex(contents[3])}`);
    expect(await openMailboxCopy(mailbox.privateKey, fromHex(answers[i++]))).toEqual(contents[5]);
    expect(answers[i++]).toBe(toHex(contents[4]));
    expect(answers[i++]).toBe(toHex(routing));
    expect(answers[i++]).toBe(toHex(commitSignedContent(routing, 41n, contents[4], new Uint8Array(0), nextKey)));
    expect(answers[i++]).toBe(toHex(commitSignedContent(routing, (1n << 63n) - 1n, contents[2], contents[3], nextKey)));
    expect(answers[i++]).toBe("true");
    expect(certifies(account.publicKey, accountId, deviceKey, certificate)).toBe(true);
  });
});

describe("hostile wire input fails clearly", () => {
  it("padding: no marker, a wrong bucket, empty, and lengths out of range", () => {
    expect(() => unpad(new Uint8Array(0))).toThrow(/no 0x80 marker/);
    expect(() => unpad(new Uint8Array(MIN_PADDED_BYTES))).toThrow(/no 0x80 marker/);
    const short = pad(new Uint8Array(10)).slice(0, 200);
    expect(() => unpad(short)).toThrow(/not the bucket/);
    expect(paddedLength(0)).toBe(MIN_PADDED_BYTES);
    expect(padme(1000)).toBe(1024);
    expect(padme(1025)).toBe(1088);
    expect(() => padme(-1)).toThrow(RangeError);
    expect(() => padme(2 ** 40)).toThrow(RangeError);
  });

  it("payload wrap: empty, unknown type, truncated, wrong key, tampered, badly padded Welcome", async () => {
    const key = await groupKey(randomBytes(16));
    const other = await groupKey(randomBytes(16));
    const wrapped = await wrapGroupMessage(key, randomBytes(40));
    await expect(unwrap(new Uint8Array(0), [key])).rejects.toThrow(/empty payload/);
    await expect(unwrap(new Uint8Array([7, 1, 2]), [key])).rejects.toThrow(/unknown type 0x07/);
    await expect(unwrap(wrapped.slice(0, 100), [key])).rejects.toThrow(/shorter than any wrapped one/);
    await expect(unwrap(wrapped, [other])).rejects.toThrow(/no conversation/);
    const tampered = wrapped.slice();
    tampered[50] ^= 1;
    await expect(unwrap(tampered, [key])).rejects.toBeInstanceOf(UnwrapError);
    await expect(unwrap(new Uint8Array([2, 1, 2, 3]), [])).rejects.toThrow(/badly padded/);
  });

  it("mailbox seal: a window of Java's copies opens in any order, and a copy moved to another number does not", async () => {
    const mailbox = generateX25519KeyPair();
    const payload = randomBytes(200);
    const copies = (await java([`seal-window ${toHex(mailbox.publicKey)} 05 ${toHex(payload)}`]))[0].split(" ").map(fromHex);
    expect(new Set(copies.map((c) => toHex(c.slice(0, 32)))).size).toBe(1);
    for (const copy of [copies[3], copies[0], copies[4], copies[1], copies[2]]) {
      expect(await openMailboxCopy(mailbox.privateKey, copy)).toEqual(payload);
    }
    const renumbered = copies[2].slice();
    renumbered[35] = 3;
    await expect(openMailboxCopy(mailbox.privateKey, renumbered)).rejects.toThrow(/does not open/);
    // The form servers stored before windows: enc || single-shot HPKE ciphertext.
    const single = await hpkeSeal(mailbox.publicKey, utf8("parley-v1-mailbox"), payload);
    expect(await openMailboxCopy(mailbox.privateKey, single)).toEqual(payload);
  });

  it("mailbox seal: short, tampered, and sealed to another key", async () => {
    const mine = generateX25519KeyPair();
    const theirs = generateX25519KeyPair();
    const sealed = await sealToMailbox(mine.publicKey, randomBytes(300));
    await expect(openMailboxCopy(mine.privateKey, sealed.slice(0, 47))).rejects.toThrow(/at least 48 bytes/);
    const tampered = sealed.slice();
    tampered[tampered.length - 1] ^= 1;
    await expect(openMailboxCopy(mine.privateKey, tampered)).rejects.toThrow(/does not open/);
    await expect(openMailboxCopy(theirs.privateKey, sealed)).rejects.toThrow(/does not open/);
    await expect(sealToMailbox(new Uint8Array(32), randomBytes(1))).rejects.toThrow(/mailbox key/);
  });

  it("commit authority and certificates: out-of-range inputs", () => {
    const key = new Uint8Array(32);
    expect(() => commitSignedContent(new Uint8Array(15), 0n, key, key, key)).toThrow(/routing id/);
    expect(() => commitSignedContent(new Uint8Array(16), -1n, key, key, key)).toThrow(/epoch/);
    expect(() => commitSignedContent(new Uint8Array(16), 1n << 63n, key, key, key)).toThrow(/epoch/);
    expect(() => commitSignedContent(new Uint8Array(16), 0n, key, key, new Uint8Array(31))).toThrow(/commit key/);
    expect(() => commitKeyFromSeed(new Uint8Array(31))).toThrow(/seed/);
    const account = newSigningKey();
    const device = newSigningKey().publicKey;
    const id = randomBytes(16);
    const certificate = certify(account.privateKey, id, device);
    expect(certifies(account.publicKey, randomBytes(16), device, certificate)).toBe(false);
    expect(certifies(account.publicKey, id, device, certificate.slice(1))).toBe(false);
    expect(certifies(new Uint8Array(32).fill(255), id, device, certificate)).toBe(false);
  });
});
