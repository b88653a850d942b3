// The blind RSA suite the wallet uses, against RFC 9474 Appendix A: the vectors file the Java
// protocol tests read (RSABSSA-SHA384-PSS-Deterministic).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RSABSSA } from "@cloudflare/blindrsa-ts";
import { describe, expect, it } from "vitest";
import { fromHex } from "../../src/core/bytes";
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

describe("RFC 9474 RSABSSA-SHA384-PSS-Deterministic", () => {
  const v = vectors().get("RSABSSA-SHA384-PSS-Deterministic")!;
  const suite = RSABSSA.SHA384.PSS.Deterministic();
  const algorithm = { name: "RSA-PSS", hash: "SHA-384" };

  async function keys() {
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
