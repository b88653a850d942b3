// The wallet's blind RSA (blindRsa.ts) against RFC 9474 Appendix A: the vectors file the Java
// protocol tests read, every case of it; and against blindrsa-ts, a second implementation.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RSABSSA } from "@cloudflare/blindrsa-ts";
import { describe, expect, it } from "vitest";
import { fromHex } from "../../src/core/bytes";
import { blind, bytesToInt, finalize } from "../../src/core/tokens/blindRsa";
import { REPO } from "../server";

const VECTORS = join(REPO, "protocol/src/test/resources/org/parley/protocol/tokens/rfc9474-vectors.txt");

function vectors(): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const block of readFileSync(VECTORS, "ascii").split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    for (const line of block.split("\n")) {
      if (line.startsWith("#") || !line.includes(":")) continue;
      const at = line.indexOf(":");
      fields[line.slice(0, at)] = line.slice(at + 1).trim();
    }
    if (fields.name) out.set(fields.name, fields);
  }
  return out;
}

const b64url = (hex: string) => Buffer.from(fromHex(hex.length % 2 ? "0" + hex : hex)).toString("base64url");
const big = (hex: string) => BigInt("0x" + hex);
const hexOf = (n: bigint) => n.toString(16);

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r, oldS, s] = [a % m, m, 1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

const algorithm = { name: "RSA-PSS", hash: "SHA-384" };

async function keysOf(v: Record<string, string>) {
  const [p, q, d] = [big(v.p), big(v.q), big(v.d)];
  const jwk = { kty: "RSA", n: b64url(v.n), e: b64url(v.e), ext: true };
  const privateJwk = {
    ...jwk,
    d: b64url(v.d),
    p: b64url(v.p),
    q: b64url(v.q),
    dp: b64url(hexOf(d % (p - 1n))),
    dq: b64url(hexOf(d % (q - 1n))),
    qi: b64url(hexOf(modInverse(q, p))),
  };
  return {
    publicKey: await crypto.subtle.importKey("jwk", jwk, algorithm, true, ["verify"]),
    privateKey: await crypto.subtle.importKey("jwk", privateJwk, algorithm, true, ["sign"]),
  };
}

describe("RFC 9474 Appendix A, Blind and Finalize of blindRsa.ts", () => {
  const cases = [...vectors().values()];

  it("reproduces every vector's blinded message from its salt and r, and its signature from the blind signature", async () => {
    expect(cases.map((v) => v.name)).toEqual(["RSABSSA-SHA384-PSS-Randomized", "RSABSSA-SHA384-PSS-Deterministic"]);
    for (const v of cases) {
      const { publicKey } = await keysOf(v);
      // The vectors give inv = r^-1 mod n, so r is its inverse; input_msg is the prepared message (prefix || msg).
      const blinding = await blind(publicKey, fromHex(v.input_msg), { salt: fromHex(v.salt), r: modInverse(big(v.inv), big(v.n)) });
      expect(blinding.blindedMsg, v.name).toEqual(fromHex(v.blinded_msg));
      expect(blinding.inv, v.name).toEqual(fromHex(v.inv));
      expect(await finalize(publicKey, fromHex(v.input_msg), fromHex(v.blind_sig), fromHex(v.inv)), v.name).toEqual(fromHex(v.sig));
    }
    console.log(`RFC 9474 vectors (blindRsa.ts Blind and Finalize): ${cases.length} of ${cases.length} passed`);
  });

  it("refuses a blind signature that does not finalize, another message, and input of the wrong size", async () => {
    const v = vectors().get("RSABSSA-SHA384-PSS-Deterministic")!;
    const { publicKey } = await keysOf(v);
    const forged = fromHex(v.blind_sig);
    forged[10] ^= 1;
    await expect(finalize(publicKey, fromHex(v.input_msg), forged, fromHex(v.inv))).rejects.toThrow(/invalid signature/);
    await expect(finalize(publicKey, fromHex(v.input_msg), forged.slice(1), fromHex(v.inv))).rejects.toThrow(/unexpected input size/);
    await expect(finalize(publicKey, fromHex(v.input_msg), fromHex(v.blind_sig), fromHex(v.inv).slice(1))).rejects.toThrow(/unexpected input size/);
    const other = fromHex(v.input_msg);
    other[0] ^= 1;
    await expect(finalize(publicKey, other, fromHex(v.blind_sig), fromHex(v.inv))).rejects.toThrow(/invalid signature/);
  });

  it("blinds with fresh randomness each time, and blindrsa-ts's signer and this Finalize agree both ways", async () => {
    const v = vectors().get("RSABSSA-SHA384-PSS-Deterministic")!;
    const { publicKey, privateKey } = await keysOf(v);
    const suite = RSABSSA.SHA384.PSS.Deterministic();
    const message = crypto.getRandomValues(new Uint8Array(32));
    const [first, second] = [await blind(publicKey, message), await blind(publicKey, message)];
    expect(first.blindedMsg).not.toEqual(second.blindedMsg);
    expect(bytesToInt(first.blindedMsg) < big(v.n)).toBe(true);
    const signature = await finalize(publicKey, message, await suite.blindSign(privateKey, first.blindedMsg), first.inv);
    expect(await suite.verify(publicKey, signature, message)).toBe(true);
    const theirs = await suite.blind(publicKey, message);
    const theirBlindSignature = await suite.blindSign(privateKey, theirs.blindedMsg);
    expect(await finalize(publicKey, message, theirBlindSignature, theirs.inv)).toEqual(await suite.finalize(publicKey, message, theirBlindSignature, theirs.inv));
  });
});

describe("RFC 9474 RSABSSA-SHA384-PSS-Deterministic in blindrsa-ts", () => {
  const v = vectors().get("RSABSSA-SHA384-PSS-Deterministic")!;
  const suite = RSABSSA.SHA384.PSS.Deterministic();
  const keys = () => keysOf(v);

  it("signs the vector's blinded message, finalizes to the vector's signature, and verifies", async () => {
    expect(v).toBeDefined();
    const { publicKey, privateKey } = await keys();
    expect(await suite.blindSign(privateKey, fromHex(v.blinded_msg))).toEqual(fromHex(v.blind_sig));
    const signature = await suite.finalize(publicKey, fromHex(v.input_msg), fromHex(v.blind_sig), fromHex(v.inv));
    expect(signature).toEqual(fromHex(v.sig));
    expect(await suite.verify(publicKey, fromHex(v.sig), fromHex(v.msg))).toBe(true);
  });

  it("refuses a blind signature that does not finalize, and a signature of another message", async () => {
    const { publicKey } = await keys();
    const forged = fromHex(v.blind_sig);
    forged[10] ^= 1;
    await expect(suite.finalize(publicKey, fromHex(v.input_msg), forged, fromHex(v.inv))).rejects.toThrow(/invalid signature/);
    await expect(suite.finalize(publicKey, fromHex(v.input_msg), forged.slice(1), fromHex(v.inv))).rejects.toThrow(/unexpected input size/);
    const other = fromHex(v.msg);
    other[0] ^= 1;
    expect(await suite.verify(publicKey, fromHex(v.sig), other)).toBe(false);
  });
});
