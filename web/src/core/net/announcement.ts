// A server's key and its signed announcement of alternate addresses (port of
// protocol/ServerAnnouncements.java and client/account/ServerAnnouncement.java): every Challenge
// carries the server's Ed25519 key (field 2), a serialized ServerAnnouncement (3) and the key's
// signature over "parley-v1-announcement" || those exact bytes (4). An announcement is used only
// when that signature verifies under the key this profile pinned; anything malformed (a bad
// signature, bytes that do not parse, too many or too long addresses) is refused whole, never half-used.
import { fromBinary } from "@bufbuild/protobuf";
import { ed25519 } from "@noble/curves/ed25519.js";
import { ServerAnnouncementSchema } from "../../gen/parley/v1/parley_pb";
import { concat, utf8 } from "../bytes";

export const SERVER_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
/** ServerAnnouncements.MAX_ADDRESSES: a client refuses an announcement that holds more. */
export const MAX_ADDRESSES = 16;
/** ServerAnnouncements.MAX_ADDRESS_LENGTH. */
export const MAX_ADDRESS_LENGTH = 1024;
const LABEL = utf8("parley-v1-announcement");

/** What a Challenge says of the server beyond its nonce. */
export interface ServerClaims {
  serverKey: Uint8Array;
  announcement: Uint8Array;
  announcementSignature: Uint8Array;
}

/** Whether `signature` is `serverKey`'s over `announcement` (RFC 8032, strict); false for any malformed key or signature. */
export function verifyAnnouncement(serverKey: Uint8Array, announcement: Uint8Array, signature: Uint8Array): boolean {
  if (serverKey.length !== SERVER_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  try {
    return ed25519.verify(signature, concat(LABEL, announcement), serverKey, { zip215: false });
  } catch {
    return false; // a point that does not decode
  }
}

export type AnnouncementCheck =
  | { kind: "none" }
  | { kind: "verified"; addresses: string[]; issuedAtMs: bigint }
  | { kind: "refused"; why: string };

/** The announcement a Challenge carries, checked against `pinnedKey`. */
export function checkAnnouncement(claims: ServerClaims, pinnedKey: Uint8Array): AnnouncementCheck {
  if (claims.announcement.length === 0 && claims.announcementSignature.length === 0) return { kind: "none" };
  if (!verifyAnnouncement(pinnedKey, claims.announcement, claims.announcementSignature)) {
    return { kind: "refused", why: "its signature does not match the server's pinned key" };
  }
  let addresses: string[];
  let issuedAtMs: bigint;
  try {
    const parsed = fromBinary(ServerAnnouncementSchema, claims.announcement);
    addresses = parsed.addresses;
    issuedAtMs = parsed.issuedAtMs;
  } catch {
    return { kind: "refused", why: "it does not parse" };
  }
  if (addresses.length > MAX_ADDRESSES || addresses.some((a) => a.length > MAX_ADDRESS_LENGTH)) {
    return { kind: "refused", why: `a server announces at most ${MAX_ADDRESSES} addresses of at most ${MAX_ADDRESS_LENGTH} characters` };
  }
  return { kind: "verified", addresses, issuedAtMs };
}
