import { describe, expect, it } from "vitest";
import { concat, randomBytes, toHex, utf8 } from "../../src/core/bytes";
import { credentialOf, checkKeyPackage, KeyPackages, lifetime } from "../../src/core/keys/keyPackages";
import { certifies, memberCredential, toCredential } from "../../src/core/mls/credential";
import { MlsPolicyError } from "../../src/core/mls/errors";
import { encodeMlsMessage } from "ts-mls";
import { MemoryVault, newAccount, newDevice } from "./members";

const device = newDevice(newAccount("alice"));
const identity = (toCredential(credentialOf(device)) as { identity: Uint8Array }).identity;

describe("MemberCredential", () => {
  it("lays out username, account id, device id, account key and certificate as the Java client does", () => {
    expect(identity.length).toBe(1 + 5 + 16 + 16 + 32 + 64);
    expect(identity[0]).toBe(5);
    expect(new TextDecoder().decode(identity.subarray(1, 6))).toBe("alice");
    expect(toHex(identity.subarray(6, 22))).toBe(toHex(device.accountId));
    const read = memberCredential({ credentialType: "basic", identity });
    expect(read.username).toBe("alice");
    expect(toHex(read.certificate)).toBe(toHex(device.deviceCertificate));
    expect(certifies(read, device.signaturePublicKey)).toBe(true);
    expect(certifies(read, newDevice(newAccount("x")).signaturePublicKey)).toBe(false);
  });

  it.each([
    ["empty", new Uint8Array()],
    ["a zero-length username", concat(new Uint8Array([0]), identity.subarray(1))],
    ["a two-byte length prefix", concat(new Uint8Array([0x40, 5]), identity.subarray(1))],
    ["a 33-byte username", concat(new Uint8Array([33]), randomBytes(33 + 128))],
    ["truncated", identity.subarray(0, identity.length - 1)],
    ["a byte too many", concat(identity, new Uint8Array([0]))],
    ["a username that is not UTF-8", concat(new Uint8Array([2, 0xff, 0xfe]), identity.subarray(6))],
  ])("refuses %s with a clear error", (_, bytes) => {
    expect(() => memberCredential({ credentialType: "basic", identity: bytes })).toThrow(MlsPolicyError);
  });

  it("refuses an X.509 credential", () => {
    expect(() => memberCredential({ credentialType: "x509", certificates: [] })).toThrow(/basic credential/);
  });

  it("refuses to write a username that does not fit", () => {
    expect(() => toCredential({ ...credentialOf(device), username: "x".repeat(64) })).toThrow();
  });
});

describe("key packages", () => {
  it("round lifetimes down to the UTC day an hour before, for 90 days", () => {
    const at = Date.UTC(2026, 11, 4, 0, 30); // 00:30: an hour before is the previous day
    const { notBefore, notAfter } = lifetime(at);
    expect(notBefore).toBe(BigInt(Date.UTC(2026, 11, 3) / 1000));
    expect(notAfter - notBefore).toBe(90n * 86400n);
    expect(lifetime(0).notBefore).toBe(0n);
  });

  it("accepts a claimed package only for the account, device and username the server named", async () => {
    const own = await new KeyPackages(new MemoryVault(), device).create(false);
    const message = encodeMlsMessage({ version: "mls10", wireformat: "mls_key_package", keyPackage: own.publicPackage });
    expect(await checkKeyPackage(message, "alice", device.accountId, device.deviceId)).toBeDefined();
    expect(await checkKeyPackage(message, "bob", device.accountId, device.deviceId)).toBeUndefined();
    expect(await checkKeyPackage(message, "alice", randomBytes(16), device.deviceId)).toBeUndefined();
    expect(await checkKeyPackage(message, "alice", device.accountId, randomBytes(16))).toBeUndefined();
    const flipped = message.slice();
    flipped[flipped.length - 1] ^= 1; // the signature
    expect(await checkKeyPackage(flipped, "alice", device.accountId, device.deviceId)).toBeUndefined();
    expect(await checkKeyPackage(message.subarray(0, 40), "alice", device.accountId, device.deviceId)).toBeUndefined();
    expect(await checkKeyPackage(utf8("<script>"), "alice", device.accountId, device.deviceId)).toBeUndefined();
    expect(await checkKeyPackage(new Uint8Array(300_000), "alice", device.accountId, device.deviceId)).toBeUndefined();
  });

  it("refuses a package whose certificate another account key made", async () => {
    const forged = newDevice(newAccount("alice"), newAccount("mallory").accountPrivateKey);
    const own = await new KeyPackages(new MemoryVault(), forged).create(false);
    const message = encodeMlsMessage({ version: "mls10", wireformat: "mls_key_package", keyPackage: own.publicPackage });
    expect(await checkKeyPackage(message, "alice", forged.accountId, forged.deviceId)).toBeUndefined();
  });
});
