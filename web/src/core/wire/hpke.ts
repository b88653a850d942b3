// HPKE base mode (RFC 9180 section 6.1) with DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and
// AES-128-GCM (suite 0x0020/0x0001/0x0001), as MailboxSeal.java and ProvisioningBox.java use it.
// Sealed form on the wire: enc (32 bytes) || ciphertext.
import { Aes128Gcm, CipherSuite, HkdfSha256 } from "@hpke/core";
import { DhkemX25519HkdfSha256 } from "@hpke/dhkem-x25519";
import { x25519 } from "@noble/curves/ed25519.js";
import { concat } from "../bytes";

export const X25519_KEY_BYTES = 32;
/** What sealing adds: the encapsulated key and the AEAD tag. */
export const HPKE_OVERHEAD = X25519_KEY_BYTES + 16;

export const hpkeSuite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });

export interface X25519KeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

export function generateX25519KeyPair(): X25519KeyPair {
  const privateKey = x25519.utils.randomSecretKey();
  return { privateKey, publicKey: x25519.getPublicKey(privateKey) };
}

/** A usable X25519 public key: 32 bytes, not all zero (MailboxSeal.isValidPublicKey). */
export function isValidX25519PublicKey(key: Uint8Array | undefined): boolean {
  return key !== undefined && key.length === X25519_KEY_BYTES && key.some((b) => b !== 0);
}

export async function hpkeSeal(publicKey: Uint8Array, info: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const recipientPublicKey = await hpkeSuite.kem.deserializePublicKey(publicKey);
  const { enc, ct } = await hpkeSuite.seal({ recipientPublicKey, info }, plaintext, new Uint8Array(0));
  return concat(new Uint8Array(enc), new Uint8Array(ct));
}

/** Throws when the bytes were not sealed to this key with this info (damaged, forged, or sealed elsewhere). */
export async function hpkeOpen(privateKey: Uint8Array, info: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> {
  if (sealed.length < HPKE_OVERHEAD) throw new Error(`an HPKE-sealed message is at least ${HPKE_OVERHEAD} bytes, got ${sealed.length}`);
  const recipientKey = await hpkeSuite.kem.deserializePrivateKey(privateKey);
  const plain = await hpkeSuite.open(
    { recipientKey, enc: sealed.slice(0, X25519_KEY_BYTES), info },
    sealed.slice(X25519_KEY_BYTES),
    new Uint8Array(0),
  );
  return new Uint8Array(plain);
}
