// Safety numbers against the Java client's SafetyNumber (run from the CLI jar): the same 60 digits,
// formatted the same way, for the same two usernames and account keys; and the QR payload and the
// comparison of what a person types or scans.
import { ed25519 } from "@noble/curves/ed25519.js";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { randomBytes, toHex, utf8 } from "../../src/core/bytes";
import { computeSafetyNumber, formatSafetyNumber, matchesSafetyNumber, type Side } from "../../src/core/safety/safetyNumber";
import { runJava } from "../attachments/java";

const JAVA = join(__dirname, "JavaSafetyNumber.java");

function accountKey(): Uint8Array {
  return ed25519.getPublicKey(ed25519.utils.randomSecretKey());
}

describe("safety numbers", () => {
  it("are the digits and the format the Java client computes", async () => {
    const names = ["alice", "bob", "Зоя", "名前", "a", "x".repeat(64), "emoji😀"];
    const pairs: [Side, Side][] = names.map((name, i) => [
      { username: name, accountKey: accountKey() },
      { username: names[(i + 1) % names.length], accountKey: i % 2 ? accountKey() : randomBytes(32) },
    ]);
    const input = pairs
      .flatMap(([a, b]) => [[a, b], [b, a]])
      .map(([a, b]) => [toHex(utf8(a.username)), toHex(a.accountKey), toHex(utf8(b.username)), toHex(b.accountKey)].join(" "))
      .join("\n");
    const result = await runJava(JAVA, [], input + "\n");
    expect(result.code, result.stderr).toBe(0);
    const java = result.stdout.trim().split("\n");
    expect(java).toHaveLength(pairs.length * 2);
    pairs.forEach(([a, b], i) => {
      const ours = computeSafetyNumber(a, b).digits;
      expect(ours).toMatch(/^\d{60}$/);
      const formatted = formatSafetyNumber(ours).replace(/ /g, "_").replace(/\n/g, "/");
      expect(`${ours} ${formatted}`).toBe(java[2 * i]);
      expect(`${ours} ${formatted}`).toBe(java[2 * i + 1]); // the other side sees the same number
    });
  });

  it("change with either key or either username", () => {
    const a = { username: "alice", accountKey: accountKey() };
    const b = { username: "bob", accountKey: accountKey() };
    const number = computeSafetyNumber(a, b).digits;
    expect(computeSafetyNumber(a, { ...b, accountKey: accountKey() }).digits).not.toBe(number);
    expect(computeSafetyNumber({ ...a, username: "alicia" }, b).digits).not.toBe(number);
    // Each half belongs to one side: alice's 30 digits are in her number with anyone.
    const withCarol = computeSafetyNumber(a, { username: "carol", accountKey: accountKey() }).digits;
    const halves = (digits: string) => [digits.slice(0, 30), digits.slice(30)];
    expect(halves(number).filter((half) => halves(withCarol).includes(half))).toHaveLength(1);
  });

  it("give both sides one QR payload with the number and both account keys", () => {
    const a = { username: "alice", accountKey: accountKey() };
    const b = { username: "bob", accountKey: accountKey() };
    const ours = computeSafetyNumber(a, b);
    const theirs = computeSafetyNumber(b, a);
    expect(ours.qr).toBe(theirs.qr);
    expect(ours.qr).toMatch(/^PARLEY-SAFETY:1:\d{60}:[0-9A-F]{64}:[0-9A-F]{64}$/);
    expect(ours.qr).toContain(ours.digits);
    expect(ours.qr).toContain(toHex(a.accountKey).toUpperCase());
    expect(ours.qr).toContain(toHex(b.accountKey).toUpperCase());
    // Alphanumeric QR mode: digits, upper case and ':' only.
    expect(ours.qr).toMatch(/^[0-9A-Z:-]+$/);
  });

  it("match what a person typed or scanned, and nothing else", () => {
    const a = { username: "alice", accountKey: accountKey() };
    const b = { username: "bob", accountKey: accountKey() };
    const number = computeSafetyNumber(a, b);
    const other = computeSafetyNumber(a, { ...b, accountKey: accountKey() });
    expect(matchesSafetyNumber(number, formatSafetyNumber(number.digits))).toBe(true);
    expect(matchesSafetyNumber(number, ` ${number.digits}\n`)).toBe(true);
    expect(matchesSafetyNumber(number, computeSafetyNumber(b, a).qr)).toBe(true);
    expect(matchesSafetyNumber(number, other.digits)).toBe(false);
    expect(matchesSafetyNumber(number, other.qr)).toBe(false);
    expect(matchesSafetyNumber(number, number.digits.slice(0, 59))).toBe(false);
    expect(matchesSafetyNumber(number, number.digits + "0")).toBe(false);
    expect(matchesSafetyNumber(number, "")).toBe(false);
    expect(matchesSafetyNumber(number, number.qr.slice(0, -1))).toBe(false);
    expect(matchesSafetyNumber(number, number.qr.toLowerCase())).toBe(false);
    expect(matchesSafetyNumber(number, "PARLEY-SAFETY:1:" + "x".repeat(100_000))).toBe(false);
  });
});

