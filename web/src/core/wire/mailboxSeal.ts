// Port of protocol MailboxSeal.java: what the server stores for a device, each copy of a payload
// sealed to the device's X25519 mailbox key with HPKE (RFC 9180 base mode, suite
// 0x0020/0x0001/0x0001, info "parley-v1-mailbox", empty aad). Sealed form: enc (32) || ciphertext.
import { utf8 } from "../bytes";
import { HPKE_OVERHEAD, hpkeOpen, hpkeSeal, isValidX25519PublicKey } from "./hpke";

const INFO = utf8("parley-v1-mailbox");
export const MAILBOX_SEAL_OVERHEAD = HPKE_OVERHEAD;

/** Seals a payload to the device whose mailbox public key this is (what the server does). */
export async function sealToMailbox(mailboxPublicKey: Uint8Array, payload: Uint8Array): Promise<Uint8Array> {
  if (!isValidX25519PublicKey(mailboxPublicKey)) throw new Error("a mailbox key is 32 bytes of X25519 public key");
  return hpkeSeal(mailboxPublicKey, INFO, payload);
}

/** Opens a copy sealed to this device; throws a clear error when it is too short or not sealed to this key. */
export async function openMailboxCopy(mailboxPrivateKey: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> {
  if (sealed.length < MAILBOX_SEAL_OVERHEAD) {
    throw new Error(`a sealed mailbox copy is at least ${MAILBOX_SEAL_OVERHEAD} bytes, got ${sealed.length}`);
  }
  try {
    return await hpkeOpen(mailboxPrivateKey, INFO, sealed);
  } catch {
    throw new Error("a mailbox copy that does not open with this device's mailbox key");
  }
}
