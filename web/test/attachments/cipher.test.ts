// The attachment cipher against the Java client's AttachmentCipher (run from the CLI jar): blobs
// sealed on either side open on the other, and both refuse the same altered blobs the same way.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fromHex, randomBytes, toHex } from "../../src/core/bytes";
import { AttachmentError, openAttachment, sealAttachment, sha256 } from "../../src/core/attachments/cipher";
import { runJava } from "./java";
import { randomContent } from "./random";

const JAVA = join(__dirname, "JavaAttachmentCipher.java");
const dir = mkdtempSync(join(tmpdir(), "parley-attachment-cipher-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function javaOpen(blob: Uint8Array, key: Uint8Array, digest: Uint8Array, size: number) {
  const blobPath = join(dir, `blob-${toHex(randomBytes(4))}`);
  const plainPath = `${blobPath}.plain`;
  writeFileSync(blobPath, blob);
  const result = await runJava(JAVA, ["open", blobPath, toHex(key), toHex(digest), String(size), plainPath]);
  if (result.code === 0) return { plain: new Uint8Array(readFileSync(plainPath)) };
  if (result.code === 2) return { refused: result.stdout.trim() };
  throw new Error(`java failed: ${result.stderr}`);
}

async function refusal(opening: Promise<unknown>): Promise<string> {
  const error = await opening.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AttachmentError);
  return (error as Error).message;
}

describe("attachment cipher interop with Java", () => {
  it("opens in Java what TypeScript sealed, at several sizes", async () => {
    for (const size of [0, 1, 100_003]) {
      const plain = randomContent(size);
      const sealed = await sealAttachment(plain);
      expect(sealed.blob.length).toBe(size + 28);
      expect(sealed.key.length).toBe(32);
      expect(sealed.digest).toEqual(await sha256(sealed.blob));
      expect(await javaOpen(sealed.blob, sealed.key, sealed.digest, sealed.size)).toEqual({ plain });
    }
  });

  it("opens in TypeScript what Java sealed", async () => {
    const plain = randomContent(70_001);
    const plainPath = join(dir, "java-plain");
    const blobPath = join(dir, "java-blob");
    writeFileSync(plainPath, plain);
    const result = await runJava(JAVA, ["seal", plainPath, blobPath]);
    expect(result.code, result.stderr).toBe(0);
    const [key, digest, size] = result.stdout.trim().split(" ");
    const blob = new Uint8Array(readFileSync(blobPath));
    expect(Number(size)).toBe(plain.length);
    expect(await openAttachment(blob, fromHex(key), fromHex(digest), Number(size))).toEqual(plain);
  });

  it("refuses altered blobs with the same words as Java", async () => {
    const sealed = await sealAttachment(randomBytes(5000));
    const tampered = sealed.blob.slice();
    tampered[100] ^= 1;
    const truncated = sealed.blob.slice(0, sealed.blob.length - 1);
    const otherKey = randomBytes(32);
    const reEncrypted = sealed.blob.slice();
    reEncrypted[40] ^= 0x80; // an attacker who also replaced the digest in transit: the tag still fails
    const cases: [string, Uint8Array, Uint8Array, Uint8Array, number, RegExp][] = [
      ["tampered blob", tampered, sealed.key, sealed.digest, sealed.size, /does not match its digest/],
      ["wrong digest", sealed.blob, sealed.key, randomBytes(32), sealed.size, /does not match its digest/],
      ["truncated blob", truncated, sealed.key, sealed.digest, sealed.size, /does not match its digest/],
      ["truncated blob, digest of the truncation", truncated, sealed.key, await sha256(truncated), sealed.size, /not the announced size/],
      ["wrong announced size", sealed.blob, sealed.key, sealed.digest, sealed.size + 1, /not the announced size/],
      ["wrong key", sealed.blob, otherKey, sealed.digest, sealed.size, /does not decrypt with its key/],
      ["altered with a matching digest", reEncrypted, sealed.key, await sha256(reEncrypted), sealed.size, /does not decrypt with its key/],
      ["short key", sealed.blob, sealed.key.subarray(0, 16), sealed.digest, sealed.size, /key is 16 bytes instead of 32/],
    ];
    for (const [what, blob, key, digest, size, expected] of cases) {
      const ours = await refusal(openAttachment(blob, key, digest, size));
      expect(ours, what).toMatch(expected);
      expect(await javaOpen(blob, key, digest, size), what).toEqual({ refused: ours });
    }
  });

  it("never shows the key when printed or serialised", async () => {
    const sealed = await sealAttachment(randomBytes(10));
    const hex = toHex(sealed.key);
    expect(String(sealed)).not.toContain(hex);
    expect(JSON.stringify({ sealed })).not.toContain(hex);
    expect(JSON.stringify({ sealed })).not.toMatch(/"key"/);
  });
});
