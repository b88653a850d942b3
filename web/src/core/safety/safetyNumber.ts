// The 60-digit safety number, as the Java client's SafetyNumber computes it: Signal's numeric
// fingerprint (version 0, 5200 SHA-512 iterations). Each side's 30 digits come from its username
// and its account key (Ed25519; it signs every device of the account, so a new device leaves the
// number as it is); the halves are ordered so both people see the same number.
import { sha512 } from "@noble/hashes/sha2.js";
import { concat, constantTimeEquals, toHex, utf8 } from "../bytes";

const ITERATIONS = 5200;
const VERSION = new Uint8Array([0, 0]);
/** What a safety-number QR code starts with; the rest is the number and both account keys. */
const QR_PREFIX = "PARLEY-SAFETY:1:";

/** One account's side: its username and its account key. */
export interface Side {
  username: string;
  accountKey: Uint8Array;
}

/** The 60 digits, without spaces, and the QR payload that carries them with both account keys. */
export interface SafetyNumber {
  digits: string;
  qr: string;
}

export function computeSafetyNumber(local: Side, remote: Side): SafetyNumber {
  const ours = { digits: sideDigits(local), key: local.accountKey };
  const theirs = { digits: sideDigits(remote), key: remote.accountKey };
  // Java's String.compareTo on ASCII digits is the same order as JavaScript's <.
  const [first, second] = ours.digits <= theirs.digits ? [ours, theirs] : [theirs, ours];
  return {
    digits: first.digits + second.digits,
    // Upper case, digits and ':' only: a QR code holds it in alphanumeric mode. The keys follow the
    // order of the digits, so both screens show the same code and a scan compares it whole.
    qr: `${QR_PREFIX}${first.digits}${second.digits}:${toHex(first.key).toUpperCase()}:${toHex(second.key).toUpperCase()}`,
  };
}

/** The digits in twelve groups of five, four groups a line, as the CLI prints them. */
export function formatSafetyNumber(digits: string): string {
  let out = "";
  for (let i = 0; i < digits.length; i += 5) {
    out += (i === 0 ? "" : i % 20 === 0 ? "\n" : " ") + digits.slice(i, i + 5);
  }
  return out;
}

/**
 * Whether what a person typed (spaces and line breaks ignored) or scanned from the other screen's
 * QR code is this safety number.
 */
export function matchesSafetyNumber(expected: SafetyNumber, typedOrScanned: string): boolean {
  const text = typedOrScanned.trim();
  const [want, got] = text.startsWith(QR_PREFIX) ? [expected.qr, text] : [expected.digits, text.replace(/\s/g, "")];
  return constantTimeEquals(utf8(want), utf8(got));
}

function sideDigits(side: Side): string {
  let hash = sha512(concat(VERSION, side.accountKey, utf8(side.username)));
  for (let i = 0; i < ITERATIONS; i++) {
    hash = sha512(concat(hash, side.accountKey));
  }
  let out = "";
  for (let chunk = 0; chunk < 6; chunk++) {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      value = value * 256 + hash[chunk * 5 + i]; // 40 bits: exact in a double
    }
    out += String(value % 100_000).padStart(5, "0");
  }
  return out;
}
