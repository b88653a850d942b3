// The SFrame cipher suites of RFC 9605 §4.5 (IANA registry, §8.1): suites 1-3 are the AES-CTR +
// HMAC compound AEAD of §4.5.1 with truncated tags, 4-5 AES-GCM. AES and HMAC come from
// WebCrypto, HKDF from @noble/hashes. The twin of Java's SFrameCipherSuite.
import { expand, extract } from "@noble/hashes/hkdf.js";
import type { CHash } from "@noble/hashes/utils.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { concat, constantTimeEquals } from "../../bytes";
import { SFrameError } from "./header";

export interface SFrameCipherSuite {
  readonly id: number;
  readonly name: string;
  readonly hash: CHash;
  /** Hash.Nh, AEAD.Nka (0 for GCM), AEAD.Nk, AEAD.Nn and AEAD.Nt of RFC 9605 §4.5. */
  readonly nh: number;
  readonly nka: number;
  readonly nk: number;
  readonly nn: number;
  readonly nt: number;
}

function suite(id: number, name: string, hash: CHash, nh: number, nka: number, nk: number, nt: number) {
  return Object.freeze({ id, name, hash, nh, nka, nk, nn: 12, nt });
}

export const AES_128_CTR_HMAC_SHA256_80 = suite(1, "AES_128_CTR_HMAC_SHA256_80", sha256, 32, 16, 48, 10);
export const AES_128_CTR_HMAC_SHA256_64 = suite(2, "AES_128_CTR_HMAC_SHA256_64", sha256, 32, 16, 48, 8);
export const AES_128_CTR_HMAC_SHA256_32 = suite(3, "AES_128_CTR_HMAC_SHA256_32", sha256, 32, 16, 48, 4);
export const AES_128_GCM_SHA256_128 = suite(4, "AES_128_GCM_SHA256_128", sha256, 32, 0, 16, 16);
export const AES_256_GCM_SHA512_128 = suite(5, "AES_256_GCM_SHA512_128", sha512, 64, 0, 32, 16);

const SUITES: readonly SFrameCipherSuite[] = [
  AES_128_CTR_HMAC_SHA256_80,
  AES_128_CTR_HMAC_SHA256_64,
  AES_128_CTR_HMAC_SHA256_32,
  AES_128_GCM_SHA256_128,
  AES_256_GCM_SHA512_128,
];

export function suiteById(id: number): SFrameCipherSuite {
  const found = SUITES.find((s) => s.id === id);
  if (!found) throw new RangeError(`unknown SFrame cipher suite ${id}`);
  return found;
}

export function hkdfExtract(suite: SFrameCipherSuite, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return extract(suite.hash, ikm, salt);
}

export function hkdfExpand(suite: SFrameCipherSuite, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return expand(suite.hash, prk, info, length);
}

/** WebCrypto wants ArrayBuffer-backed views; a copy is cheap next to the cipher. */
function buffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

/** An AEAD key of a suite, imported into WebCrypto once: AEAD.Encrypt and AEAD.Decrypt of §4.5. */
export interface AeadKey {
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Rejects with SFrameError when the tag does not verify. */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>;
}

export async function importAeadKey(suite: SFrameCipherSuite, key: Uint8Array): Promise<AeadKey> {
  if (key.length !== suite.nk) throw new RangeError(`${suite.name} keys are ${suite.nk} bytes, got ${key.length}`);
  return suite.nka === 0 ? importGcm(suite, key) : importCtrHmac(suite, key);
}

async function importGcm(suite: SFrameCipherSuite, key: Uint8Array): Promise<AeadKey> {
  const aes = await crypto.subtle.importKey("raw", buffer(key), "AES-GCM", false, ["encrypt", "decrypt"]);
  const params = (nonce: Uint8Array, aad: Uint8Array): AesGcmParams => ({
    name: "AES-GCM",
    iv: buffer(nonce),
    additionalData: buffer(aad),
    tagLength: suite.nt * 8,
  });
  return {
    async seal(nonce, aad, plaintext) {
      return new Uint8Array(await crypto.subtle.encrypt(params(nonce, aad), aes, buffer(plaintext)));
    },
    async open(nonce, aad, ciphertext) {
      if (ciphertext.length < suite.nt) throw new SFrameError(`SFrame ciphertext shorter than its ${suite.nt}-byte tag`);
      try {
        return new Uint8Array(await crypto.subtle.decrypt(params(nonce, aad), aes, buffer(ciphertext)));
      } catch {
        throw new SFrameError("SFrame authentication failed");
      }
    },
  };
}

/** §4.5.1: the first Nka bytes are the AES-CTR key, the Nh bytes after them the HMAC key. */
async function importCtrHmac(suite: SFrameCipherSuite, key: Uint8Array): Promise<AeadKey> {
  const aes = await crypto.subtle.importKey("raw", buffer(key.slice(0, suite.nka)), "AES-CTR", false, ["encrypt"]);
  const hmac = await crypto.subtle.importKey(
    "raw",
    buffer(key.slice(suite.nka, suite.nka + suite.nh)),
    { name: "HMAC", hash: suite.nh === 64 ? "SHA-512" : "SHA-256" },
    false,
    ["sign"],
  );
  // The counter block is nonce || 0x00000000; only the low 32 bits count up (2^32 blocks per frame).
  const ctr = (nonce: Uint8Array, input: Uint8Array) =>
    crypto.subtle
      .encrypt({ name: "AES-CTR", counter: buffer(concat(nonce, new Uint8Array(4))), length: 32 }, aes, buffer(input))
      .then((out) => new Uint8Array(out));
  /** compute_tag of §4.5.1: HMAC over the three lengths (8 bytes each), nonce, aad and ct, truncated to Nt. */
  const computeTag = async (nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array) => {
    const lengths = new DataView(new ArrayBuffer(24));
    lengths.setBigUint64(0, BigInt(aad.length));
    lengths.setBigUint64(8, BigInt(ct.length));
    lengths.setBigUint64(16, BigInt(suite.nt));
    const mac = await crypto.subtle.sign("HMAC", hmac, buffer(concat(new Uint8Array(lengths.buffer), nonce, aad, ct)));
    return new Uint8Array(mac, 0, suite.nt);
  };
  return {
    async seal(nonce, aad, plaintext) {
      const ct = await ctr(nonce, plaintext);
      return concat(ct, await computeTag(nonce, aad, ct));
    },
    async open(nonce, aad, ciphertext) {
      if (ciphertext.length < suite.nt) throw new SFrameError(`SFrame ciphertext shorter than its ${suite.nt}-byte tag`);
      const ct = ciphertext.subarray(0, ciphertext.length - suite.nt);
      const tag = ciphertext.subarray(ciphertext.length - suite.nt);
      if (!constantTimeEquals(await computeTag(nonce, aad, ct), tag)) throw new SFrameError("SFrame authentication failed");
      return ctr(nonce, ct);
    },
  };
}
