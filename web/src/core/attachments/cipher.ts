// The attachment cipher, byte for byte as the Java client's AttachmentCipher: a fresh AES-256-GCM
// key per file (so a nonce is never reused under a key; it is still random), the blob uploaded is
// nonce (12 bytes) || ciphertext || tag (16 bytes), and the message carries key, SHA-256 of the
// blob and plaintext size. The recipient refuses a blob whose digest, size or tag does not match.
import { constantTimeEquals, randomBytes } from "../bytes";

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** What the blob adds to the plaintext: the nonce in front, the GCM tag behind. */
export const BLOB_OVERHEAD = NONCE_BYTES + TAG_BYTES;

/** An attachment could not be uploaded, downloaded or checked; the message says which and why. */
export class AttachmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AttachmentError";
  }
}

/** An encrypted file: upload `blob`; send key, digest and size in the message. The key never prints. */
export class SealedAttachment {
  constructor(
    readonly key: Uint8Array,
    readonly blob: Uint8Array,
    readonly digest: Uint8Array,
    readonly size: number,
  ) {}

  toString(): string {
    return `SealedAttachment[${this.blob.length} bytes, key hidden]`;
  }

  toJSON(): string {
    return this.toString();
  }
}

export async function sealAttachment(plaintext: Uint8Array): Promise<SealedAttachment> {
  const key = randomBytes(KEY_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const aes = await importKey(key, "encrypt");
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce as BufferSource, tagLength: TAG_BYTES * 8 }, aes, plaintext as BufferSource));
  const blob = new Uint8Array(NONCE_BYTES + sealed.length);
  blob.set(nonce);
  blob.set(sealed, NONCE_BYTES);
  return new SealedAttachment(key, blob, await sha256(blob), plaintext.length);
}

/**
 * Checks a downloaded blob against what the sender described, in the Java order (key length,
 * digest, size, then the GCM tag), and decrypts it.
 */
export async function openAttachment(blob: Uint8Array, key: Uint8Array, digest: Uint8Array, size: number): Promise<Uint8Array<ArrayBuffer>> {
  if (key.length !== KEY_BYTES) {
    throw new AttachmentError(`the attachment key is ${key.length} bytes instead of ${KEY_BYTES}`);
  }
  if (!constantTimeEquals(digest, await sha256(blob))) {
    throw new AttachmentError("the downloaded attachment does not match its digest; it was altered or damaged");
  }
  if (blob.length !== size + BLOB_OVERHEAD) {
    throw new AttachmentError(`the downloaded attachment has ${blob.length} bytes, not the announced size`);
  }
  const aes = await importKey(key, "decrypt");
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: blob.subarray(0, NONCE_BYTES) as BufferSource, tagLength: TAG_BYTES * 8 },
        aes,
        blob.subarray(NONCE_BYTES) as BufferSource,
      ),
    );
  } catch {
    throw new AttachmentError("the attachment does not decrypt with its key; it was altered");
  }
}

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data as BufferSource));
}

function importKey(key: Uint8Array, usage: "encrypt" | "decrypt"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", key as BufferSource, "AES-GCM", false, [usage]);
}
