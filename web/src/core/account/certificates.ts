// Port of account/AccountKey.java: an account's Ed25519 identity key and the device certificates
// it signs, a signature over "parley-v1-device-certificate" || account_id (16) || device key (32).
// A device whose key carries no certificate of its account's key is not a device of that account,
// whatever the server says. Also the challenge signature of Auth.java.
import { ed25519 } from "@noble/curves/ed25519.js";
import { concat, utf8 } from "../bytes";
import { authSignedContent } from "../net/session";

export const ACCOUNT_ID_BYTES = 16;
export const DEVICE_ID_BYTES = 16;
export const PUBLIC_KEY_BYTES = 32;
export const CERTIFICATE_BYTES = 64;
const LABEL = utf8("parley-v1-device-certificate");

function certificateContent(accountId: Uint8Array, deviceKey: Uint8Array): Uint8Array {
  if (accountId.length !== ACCOUNT_ID_BYTES || deviceKey.length !== PUBLIC_KEY_BYTES) {
    throw new Error("a device certificate covers a 16-byte account id and a 32-byte key");
  }
  return concat(LABEL, accountId, deviceKey);
}

/** The certificate of `deviceKey` as a device of account `accountId`. */
export function certify(accountPrivateKey: Uint8Array, accountId: Uint8Array, deviceKey: Uint8Array): Uint8Array {
  return ed25519.sign(certificateContent(accountId, deviceKey), accountPrivateKey);
}

/** Whether `certificate` is `accountKey`'s signature over `deviceKey` for `accountId`; malformed input is simply not valid. */
export function certifies(accountKey: Uint8Array, accountId: Uint8Array, deviceKey: Uint8Array, certificate: Uint8Array): boolean {
  if (
    accountKey.length !== PUBLIC_KEY_BYTES ||
    certificate.length !== CERTIFICATE_BYTES ||
    accountId.length !== ACCOUNT_ID_BYTES ||
    deviceKey.length !== PUBLIC_KEY_BYTES
  ) {
    return false;
  }
  try {
    return ed25519.verify(certificate, certificateContent(accountId, deviceKey), accountKey);
  } catch {
    return false;
  }
}

/** The Ed25519 signature over "parley-v1-auth" || challenge that Authenticate, Register and RequestLink carry. */
export function signChallenge(signaturePrivateKey: Uint8Array, challenge: Uint8Array): Uint8Array {
  return ed25519.sign(authSignedContent(challenge), signaturePrivateKey);
}

export function newSigningKey(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const privateKey = ed25519.utils.randomSecretKey();
  return { privateKey, publicKey: ed25519.getPublicKey(privateKey) };
}
