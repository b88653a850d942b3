// Port of protocol MailboxSeal.java: what the server stores for a device, each copy of a payload
// sealed to the device's X25519 mailbox key with HPKE (RFC 9180 base mode, suite
// 0x0020/0x0001/0x0001, info "parley-v1-mailbox"). One HPKE context seals a window of copies for
// one device: copy number seq is AES-128-GCM under the key and nonce the context exports for it
// (RFC 9180 section 5.3: exporter_context "parley-v1-mailbox copy" || I2OSP(seq, 4), 16 + 12 bytes),
// empty aad. Sealed form: enc (32) || seq (4, big-endian) || ciphertext. Copies in the form servers
// stored before windows (enc || single-shot HPKE ciphertext) still open.
import { concat, constantTimeEquals, toHex, utf8 } from "../bytes";
import { HPKE_OVERHEAD, X25519_KEY_BYTES, hpkeOpen, hpkeSuite, isValidX25519PublicKey } from "./hpke";

const INFO = utf8("parley-v1-mailbox");
const COPY_LABEL = utf8("parley-v1-mailbox copy");
const SEQUENCE_BYTES = 4;
const COPY_KEY_BYTES = 16;
const COPY_NONCE_BYTES = 12;
export const MAILBOX_SEAL_OVERHEAD = X25519_KEY_BYTES + SEQUENCE_BYTES + 16;
/** Windows whose context this page keeps, so that a window costs one X25519 operation. */
const KEPT_CONTEXTS = 64;

interface Exporter {
  export(exporterContext: Uint8Array, len: number): Promise<ArrayBuffer>;
}

/** Contexts by encapsulated key, each with the private key it was set up with. */
const contexts = new Map<string, { privateKey: Uint8Array; context: Exporter }>();

async function copyCipher(context: Exporter, seq: number, usage: KeyUsage): Promise<{ key: CryptoKey; nonce: Uint8Array }> {
  const exporterContext = new Uint8Array(COPY_LABEL.length + SEQUENCE_BYTES);
  exporterContext.set(COPY_LABEL);
  new DataView(exporterContext.buffer).setUint32(COPY_LABEL.length, seq);
  const keyAndNonce = new Uint8Array(await context.export(exporterContext, COPY_KEY_BYTES + COPY_NONCE_BYTES));
  const key = await crypto.subtle.importKey("raw", keyAndNonce.slice(0, COPY_KEY_BYTES) as BufferSource, "AES-GCM", false, [usage]);
  return { key, nonce: keyAndNonce.slice(COPY_KEY_BYTES) };
}

/** Seals a payload alone (a window of one copy) to the device whose mailbox public key this is: what the server does. */
export async function sealToMailbox(mailboxPublicKey: Uint8Array, payload: Uint8Array): Promise<Uint8Array> {
  if (!isValidX25519PublicKey(mailboxPublicKey)) throw new Error("a mailbox key is 32 bytes of X25519 public key");
  const recipientPublicKey = await hpkeSuite.kem.deserializePublicKey(mailboxPublicKey);
  const sender = await hpkeSuite.createSenderContext({ recipientPublicKey, info: INFO });
  const { key, nonce } = await copyCipher(sender, 0, "encrypt");
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce as BufferSource, tagLength: 128 }, key, payload as BufferSource);
  return concat(new Uint8Array(sender.enc), new Uint8Array(SEQUENCE_BYTES), new Uint8Array(ciphertext));
}

async function contextFor(mailboxPrivateKey: Uint8Array, enc: Uint8Array): Promise<{ context: Exporter; known: boolean }> {
  const id = toHex(enc);
  const kept = contexts.get(id);
  if (kept && constantTimeEquals(kept.privateKey, mailboxPrivateKey)) return { context: kept.context, known: true };
  const recipientKey = await hpkeSuite.kem.deserializePrivateKey(mailboxPrivateKey);
  return { context: await hpkeSuite.createRecipientContext({ recipientKey, enc, info: INFO }), known: false };
}

function keep(enc: Uint8Array, privateKey: Uint8Array, context: Exporter): void {
  const id = toHex(enc);
  contexts.delete(id);
  contexts.set(id, { privateKey: privateKey.slice(), context });
  if (contexts.size > KEPT_CONTEXTS) contexts.delete(contexts.keys().next().value as string);
}

async function openWindowed(mailboxPrivateKey: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> {
  const enc = sealed.slice(0, X25519_KEY_BYTES);
  const seq = new DataView(sealed.buffer, sealed.byteOffset + X25519_KEY_BYTES, SEQUENCE_BYTES).getUint32(0);
  const { context, known } = await contextFor(mailboxPrivateKey, enc);
  const { key, nonce } = await copyCipher(context, seq, "decrypt");
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce as BufferSource, tagLength: 128 }, key,
    sealed.slice(X25519_KEY_BYTES + SEQUENCE_BYTES) as BufferSource);
  // Only a context that opened a copy is kept: forged encapsulations cannot push out real ones.
  if (!known) keep(enc, mailboxPrivateKey, context);
  return new Uint8Array(plain);
}

/** Opens a copy sealed to this device; throws a clear error when it is too short or not sealed to this key. */
export async function openMailboxCopy(mailboxPrivateKey: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> {
  if (sealed.length < HPKE_OVERHEAD) {
    throw new Error(`a sealed mailbox copy is at least ${HPKE_OVERHEAD} bytes, got ${sealed.length}`);
  }
  if (sealed.length >= MAILBOX_SEAL_OVERHEAD) {
    try {
      return await openWindowed(mailboxPrivateKey, sealed);
    } catch {
      // Not a windowed copy for this key: perhaps one stored before windows.
    }
  }
  try {
    return await hpkeOpen(mailboxPrivateKey, INFO, sealed);
  } catch {
    throw new Error("a mailbox copy that does not open with this device's mailbox key");
  }
}
