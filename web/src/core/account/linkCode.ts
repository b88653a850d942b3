// The code a new device shows while it waits to be linked (ports of protocol DeviceLinkCode.java and
// account/LinkFingerprint.java): the server's one-time code (10 random Crockford base32 characters
// and 2 check characters from SHA-256 of them) followed by a fingerprint of the new device's keys
// that never goes to the server, the first 80 bits of SHA-256("parley-v1-link" || identity_key ||
// provisioning_key) as 16 characters. Shown in groups of four; case, dashes and spaces are
// ignored, and O, I, L read as 0, 1, 1.
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, constantTimeEquals, utf8 } from "../bytes";
import { CoreError } from "../net/errors";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_CHARS = 10;
const CHECK_CHARS = 2;
export const SERVER_CHARS = RANDOM_CHARS + CHECK_CHARS;
export const FINGERPRINT_CHARS = 16;
const MAX_TYPED_CHARS = 128;
const LABEL = utf8("parley-v1-link");

function normalize(typed: string): string {
  return typed.replace(/[- ]/g, "").toUpperCase().replace(/O/g, "0").replace(/[IL]/g, "1");
}

function check(body: string): string {
  const digest = sha256(utf8(body));
  return ALPHABET[digest[0] & 31] + ALPHABET[digest[1] & 31];
}

/** DeviceLinkCode.canonical: the 12 upper-case characters of a server code; throws for people when malformed. */
export function canonicalServerCode(typed: string): string {
  if (typeof typed !== "string" || typed.length > 64) throw new Error(`a link code has ${SERVER_CHARS} characters`);
  const code = normalize(typed);
  if (code.length !== SERVER_CHARS) throw new Error(`a link code has ${SERVER_CHARS} characters, this one ${code.length}`);
  for (let i = 0; i < code.length; i++) {
    if (!ALPHABET.includes(code[i])) throw new Error(`a link code has no '${code[i]}' (character ${i + 1})`);
  }
  if (!constantTimeEquals(utf8(check(code.slice(0, RANDOM_CHARS))), utf8(code.slice(RANDOM_CHARS)))) {
    throw new Error("the link code's check characters do not match (a character is wrong)");
  }
  return code;
}

/** The 16 fingerprint characters of a waiting device's keys: 80 bits, five at a time, most significant first. */
export function linkFingerprint(identityKey: Uint8Array, provisioningKey: Uint8Array): string {
  const digest = sha256(concat(LABEL, identityKey, provisioningKey));
  let out = "";
  for (let i = 0; i < FINGERPRINT_CHARS; i++) {
    const bit = i * 5;
    const twoBytes = (digest[bit >> 3] << 8) | digest[(bit >> 3) + 1];
    out += ALPHABET[(twoBytes >> (11 - (bit % 8))) & 31];
  }
  return out;
}

function grouped(plain: string): string {
  return plain.match(/.{1,4}/g)!.join("-");
}

/** The code to show on the new device: the server's code and the fingerprint, in groups of four. */
export function shownLinkCode(serverCode: string, identityKey: Uint8Array, provisioningKey: Uint8Array): string {
  return grouped(canonicalServerCode(serverCode) + linkFingerprint(identityKey, provisioningKey));
}

export interface LinkCodeParts {
  serverCode: string;
  fingerprint: string;
}

/** Reads a typed code; throws a message for people when it is not one. */
export function splitLinkCode(typed: string): LinkCodeParts {
  const expected = "that is not a valid link code; type the whole code the new device shows, like ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345";
  if (typeof typed !== "string" || typed.length > MAX_TYPED_CHARS) throw new CoreError("LINK_CODE_INVALID", expected);
  const code = normalize(typed);
  if (code.length !== SERVER_CHARS + FINGERPRINT_CHARS) {
    throw new CoreError("LINK_CODE_INVALID", `${expected} (${SERVER_CHARS + FINGERPRINT_CHARS} characters, this one ${code.length})`);
  }
  let serverCode: string;
  try {
    serverCode = canonicalServerCode(code.slice(0, SERVER_CHARS));
  } catch (e) {
    throw new CoreError("LINK_CODE_INVALID", `${expected} (${(e as Error).message})`);
  }
  const fingerprint = code.slice(SERVER_CHARS);
  for (const c of fingerprint) if (!ALPHABET.includes(c)) throw new CoreError("LINK_CODE_INVALID", `${expected} (no '${c}' in a link code)`);
  return { serverCode, fingerprint };
}

/** Whether the typed fingerprint is that of these keys; compared in constant time. */
export function fingerprintMatches(parts: LinkCodeParts, identityKey: Uint8Array, provisioningKey: Uint8Array): boolean {
  return constantTimeEquals(utf8(parts.fingerprint), utf8(linkFingerprint(identityKey, provisioningKey)));
}

/** The fingerprint in groups of four, as both devices show it. */
export function shownFingerprint(fingerprint: string): string {
  return grouped(fingerprint);
}
