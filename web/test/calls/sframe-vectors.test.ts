// The official SFrame test vectors (RFC 9605 Appendix C, sframe-wg test-vectors.json), read from
// ../shared/vectors beside the repository and never copied into it: every header, AES-CTR+HMAC
// and full SFrame case, as mls-testkit's SFrameVectors runs them for the Java side.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/core/bytes";
import { SFrameKey, deriveKeySalt, keyLabel } from "../../src/core/calls/sframe/context";
import { decodeHeader, encodeHeader } from "../../src/core/calls/sframe/header";
import { importAeadKey, suiteById } from "../../src/core/calls/sframe/suite";
import { REPO } from "../server";

const FILE = join(REPO, "../shared/vectors/sframe/test-vectors.json");
const present = existsSync(FILE);
if (!present) {
  const reason = `SFrame vectors skipped: ${FILE} is absent`;
  if (process.env.PARLEY_REQUIRE_VECTORS === "1") throw new Error(`${reason}, and PARLEY_REQUIRE_VECTORS=1 requires them`);
  console.warn(reason);
}

type Case = Record<string, string | number>;

/** KID and CTR reach 2^64-1, beyond a JSON number's precision: read them as text. */
function load(): { header: Case[]; aes_ctr_hmac: Case[]; sframe: Case[] } {
  const text = readFileSync(FILE, "utf8").replace(/"(kid|ctr)"\s*:\s*(\d+)/g, '"$1":"$2"');
  return JSON.parse(text);
}

const hex = (c: Case, field: string) => fromHex(String(c[field]));

async function header(c: Case) {
  const kid = BigInt(c.kid);
  const ctr = BigInt(c.ctr);
  expect(toHex(encodeHeader(kid, ctr))).toBe(c.encoded);
  const decoded = decodeHeader(hex(c, "encoded"));
  expect(decoded).toEqual({ kid, ctr, length: hex(c, "encoded").length });
}

async function aesCtrHmac(c: Case) {
  const suite = suiteById(Number(c.cipher_suite));
  const key = hex(c, "key");
  expect(toHex(key.slice(0, suite.nka))).toBe(c.enc_key);
  expect(toHex(key.slice(suite.nka))).toBe(c.auth_key);
  const aead = await importAeadKey(suite, key);
  expect(toHex(await aead.seal(hex(c, "nonce"), hex(c, "aad"), hex(c, "pt")))).toBe(c.ct);
  expect(toHex(await aead.open(hex(c, "nonce"), hex(c, "aad"), hex(c, "ct")))).toBe(c.pt);
}

async function sframe(c: Case) {
  const suite = suiteById(Number(c.cipher_suite));
  const kid = BigInt(c.kid);
  const ctr = BigInt(c.ctr);
  const baseKey = hex(c, "base_key");
  expect(toHex(keyLabel("key", kid, suite))).toBe(c.sframe_key_label);
  expect(toHex(keyLabel("salt", kid, suite))).toBe(c.sframe_salt_label);
  const derived = deriveKeySalt(suite, kid, baseKey);
  expect(toHex(derived.secret)).toBe(c.sframe_secret);
  expect(toHex(derived.key)).toBe(c.sframe_key);
  expect(toHex(derived.salt)).toBe(c.sframe_salt);
  const key = await SFrameKey.derive(suite, kid, baseKey);
  expect(toHex(key.nonce(ctr))).toBe(c.nonce);
  const header = encodeHeader(kid, ctr);
  expect(toHex(header) + c.metadata).toBe(c.aad);
  expect(toHex(await key.encrypt(ctr, hex(c, "metadata"), hex(c, "pt")))).toBe(c.ct);
  const frame = hex(c, "ct");
  const parsed = decodeHeader(frame);
  expect(toHex(await key.decrypt(parsed.ctr, parsed.length, hex(c, "metadata"), frame))).toBe(c.pt);
}

describe.skipIf(!present)("SFrame test vectors (RFC 9605 Appendix C)", () => {
  it("passes every header, aes_ctr_hmac and sframe case", async () => {
    const vectors = present ? load() : { header: [], aes_ctr_hmac: [], sframe: [] };
    const sections: [string, Case[], (c: Case) => Promise<void>][] = [
      ["header", vectors.header, header],
      ["aes_ctr_hmac", vectors.aes_ctr_hmac, aesCtrHmac],
      ["sframe", vectors.sframe, sframe],
    ];
    let passed = 0;
    let total = 0;
    const failures: string[] = [];
    for (const [name, cases, check] of sections) {
      for (let i = 0; i < cases.length; i++) {
        total++;
        try {
          await check(cases[i]);
          passed++;
        } catch (e) {
          failures.push(`${name} case ${i}: ${(e as Error).message}`);
        }
      }
    }
    console.log(`SFrame vectors: ${passed} of ${total} passed`);
    expect(failures).toEqual([]);
    for (const [name, cases] of sections) expect(cases.length, `${name} cases`).toBeGreaterThan(0);
  });
});
