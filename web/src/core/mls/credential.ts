// Who a group member is, carried as the identity of an MLS BasicCredential (RFC 9420 section
// 5.3), exactly as the Java client's MemberCredential lays it out (TLS presentation language):
//
//   opaque username<V>;              // 1..32 bytes of UTF-8, so a one-byte varint length
//   opaque account_id[16];
//   opaque device_id[16];
//   opaque account_key[32];          // the account's Ed25519 identity key
//   opaque device_certificate[64];   // account_key's signature over the leaf's signature key
//
// The server vouches for none of it: what makes a leaf a device of an account is the certificate.
import { ed25519 } from "@noble/curves/ed25519.js";
import type { Credential } from "ts-mls";
import { concat, utf8 } from "../bytes";
import { MlsPolicyError } from "./errors";

export const ACCOUNT_ID_BYTES = 16;
export const DEVICE_ID_BYTES = 16;
export const ACCOUNT_KEY_BYTES = 32;
export const CERTIFICATE_BYTES = 64;
const MAX_USERNAME_BYTES = 32;
/** The largest length a one-byte variable-length integer holds (RFC 9420 section 2.1.2). */
const MAX_ONE_BYTE_LENGTH = 63;
const CERTIFICATE_LABEL = utf8("parley-v1-device-certificate");

export interface MemberCredential {
  readonly username: string;
  readonly accountId: Uint8Array;
  readonly deviceId: Uint8Array;
  readonly accountKey: Uint8Array;
  readonly certificate: Uint8Array;
}

export function toCredential(member: MemberCredential): Credential {
  const name = utf8(member.username);
  if (name.length === 0 || name.length > MAX_ONE_BYTE_LENGTH) {
    throw new Error(`a username of ${name.length} bytes does not fit a member credential`);
  }
  if (
    member.accountId.length !== ACCOUNT_ID_BYTES || member.deviceId.length !== DEVICE_ID_BYTES
    || member.accountKey.length !== ACCOUNT_KEY_BYTES || member.certificate.length !== CERTIFICATE_BYTES
  ) {
    throw new Error("a member credential holds a 16-byte account id, a 16-byte device id, a 32-byte account key and a 64-byte certificate");
  }
  return {
    credentialType: "basic",
    identity: concat(new Uint8Array([name.length]), name, member.accountId, member.deviceId, member.accountKey, member.certificate),
  };
}

/** Reads a member's credential; throws MlsPolicyError when it is not a basic credential of this shape. */
export function memberCredential(credential: Credential): MemberCredential {
  if (credential.credentialType !== "basic") {
    throw new MlsPolicyError(`a Parley member needs a basic credential, got ${credential.credentialType}`);
  }
  const identity = credential.identity;
  const length = identity.length > 0 ? identity[0] : 0;
  // A longer prefix (its top bits set) means 64 bytes or more: over the limit in any encoding.
  if (length === 0 || length > MAX_USERNAME_BYTES) {
    throw new MlsPolicyError(
      `credential username of ${length > MAX_ONE_BYTE_LENGTH ? "over 63" : length} bytes (1 to ${MAX_USERNAME_BYTES} allowed)`,
    );
  }
  const expected = 1 + length + ACCOUNT_ID_BYTES + DEVICE_ID_BYTES + ACCOUNT_KEY_BYTES + CERTIFICATE_BYTES;
  if (identity.length < expected) {
    throw new MlsPolicyError(
      `Parley member credential: truncated (${identity.length} bytes); it may come from an older Parley, before accounts signed their devices`,
    );
  }
  if (identity.length > expected) {
    throw new MlsPolicyError(`Parley member credential: ${identity.length - expected} unexpected bytes after device_certificate`);
  }
  let username: string;
  try {
    username = new TextDecoder("utf-8", { fatal: true }).decode(identity.subarray(1, 1 + length));
  } catch {
    throw new MlsPolicyError("Parley member credential: the username is not UTF-8");
  }
  let offset = 1 + length;
  const take = (n: number) => identity.slice(offset, (offset += n));
  return {
    username,
    accountId: take(ACCOUNT_ID_BYTES),
    deviceId: take(DEVICE_ID_BYTES),
    accountKey: take(ACCOUNT_KEY_BYTES),
    certificate: take(CERTIFICATE_BYTES),
  };
}

/** The bytes an account key signs to certify a device key (AccountKey.signedContent). */
export function certificateContent(accountId: Uint8Array, deviceKey: Uint8Array): Uint8Array {
  if (accountId.length !== ACCOUNT_ID_BYTES || deviceKey.length !== ACCOUNT_KEY_BYTES) {
    throw new Error("a device certificate covers a 16-byte account id and a 32-byte key");
  }
  return concat(CERTIFICATE_LABEL, accountId, deviceKey);
}

/**
 * Whether the member's account key certifies `leafKey` (the leaf's signature key) as a device of
 * its account (AccountKey.certifies): strict RFC 8032 verification, as BouncyCastle does it.
 */
export function certifies(member: MemberCredential, leafKey: Uint8Array): boolean {
  if (leafKey.length !== ACCOUNT_KEY_BYTES) return false;
  try {
    return ed25519.verify(member.certificate, certificateContent(member.accountId, leafKey), member.accountKey, { zip215: false });
  } catch {
    return false;
  }
}

