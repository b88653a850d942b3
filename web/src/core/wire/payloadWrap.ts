// Port of conversations/PayloadWrap.java: what a payload looks like to the server.
// - a message of a group: 0x01 || nonce (12) || AES-256-GCM(K, nonce, Padding.pad(message), aad = 0x01),
//   K = HKDF-SHA256 (RFC 5869) with salt "parley-v1-group-wrap", IKM the MLS group_id, empty info, 32 bytes;
// - a Welcome: 0x02 || Padding.pad(welcome) (what it says is already encrypted to its joiners,
//   RFC 9420 section 12.4.3.1).
// A recipient tries the keys of its groups until one opens the wrapping.
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, randomBytes, utf8 } from "../bytes";
import { bufferOf } from "../store/buffers";
import { MIN_PADDED_BYTES, pad, unpad } from "./padding";

export const GROUP_MESSAGE = 0x01;
export const WELCOME = 0x02;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const GROUP_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;
const SALT = utf8("parley-v1-group-wrap");
const GROUP_AAD = new Uint8Array([GROUP_MESSAGE]);

/** A group's wrapping key (PayloadWrap.GroupKey); the key itself stays inside WebCrypto. */
export interface GroupKey {
  readonly groupId: Uint8Array;
  readonly key: CryptoKey;
}

export type Unwrapped = { kind: "group"; groupId: Uint8Array; mlsMessage: Uint8Array } | { kind: "welcome"; welcome: Uint8Array };

/** A payload that is not a wrapped message this device can open; the message says why. */
export class UnwrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnwrapError";
  }
}

/** HKDF-SHA256(salt "parley-v1-group-wrap", IKM group_id, info "", 32): one HMAC block (RFC 5869 sections 2.2, 2.3). */
export async function groupKey(groupId: Uint8Array): Promise<GroupKey> {
  const okm = hkdf(sha256, groupId, SALT, new Uint8Array(0), 32);
  const key = await crypto.subtle.importKey("raw", bufferOf(okm), "AES-GCM", false, ["encrypt", "decrypt"]);
  okm.fill(0);
  return { groupId: groupId.slice(), key };
}

export async function wrapGroupMessage(key: GroupKey, mlsMessage: Uint8Array): Promise<Uint8Array> {
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: bufferOf(nonce), additionalData: GROUP_AAD, tagLength: TAG_BYTES * 8 },
    key.key,
    bufferOf(pad(mlsMessage)),
  );
  return concat(new Uint8Array([GROUP_MESSAGE]), nonce, new Uint8Array(sealed));
}

export function wrapWelcome(welcome: Uint8Array): Uint8Array {
  return concat(new Uint8Array([WELCOME]), pad(welcome));
}

/** A Welcome as it is, a group message with the first of `keys` that opens it; UnwrapError otherwise. */
export async function unwrap(payload: Uint8Array, keys: Iterable<GroupKey>): Promise<Unwrapped> {
  if (payload.length === 0) throw new UnwrapError("an empty payload");
  const type = payload[0];
  if (type === WELCOME) return { kind: "welcome", welcome: unpadOrThrow(payload.subarray(1)) };
  if (type !== GROUP_MESSAGE) throw new UnwrapError(`a payload of unknown type 0x${type.toString(16).padStart(2, "0")}`);
  if (payload.length < GROUP_OVERHEAD + MIN_PADDED_BYTES) {
    throw new UnwrapError(`a group message of ${payload.length} bytes, shorter than any wrapped one`);
  }
  const nonce = payload.slice(1, 1 + NONCE_BYTES);
  const sealed = payload.slice(1 + NONCE_BYTES);
  for (const key of keys) {
    let padded: ArrayBuffer;
    try {
      padded = await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce, additionalData: GROUP_AAD, tagLength: TAG_BYTES * 8 }, key.key, sealed);
    } catch {
      continue; // not this group's key
    }
    return { kind: "group", groupId: key.groupId, mlsMessage: unpadOrThrow(new Uint8Array(padded)) };
  }
  throw new UnwrapError("a group message that the key of no conversation of this device opens");
}

function unpadOrThrow(padded: Uint8Array): Uint8Array {
  try {
    return unpad(padded);
  } catch (e) {
    throw new UnwrapError(`a badly padded payload: ${(e as Error).message}`);
  }
}
