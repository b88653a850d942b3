// Link codes as people type them, and what a hostile server can push at a device waiting to be
// linked: each refused with a clear error, nothing saved.
import { create } from "@bufbuild/protobuf";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { AuthenticatedSchema, LinkRequestedSchema, type ServerFrame } from "../../src/gen/parley/v1/parley_pb";
import { randomBytes, utf8 } from "../../src/core/bytes";
import { requestLink } from "../../src/core/account/accounts";
import { LocalDevice } from "../../src/core/account/identity";
import { canonicalServerCode, shownLinkCode, splitLinkCode } from "../../src/core/account/linkCode";
import { openProvisioning, sealProvisioning } from "../../src/core/account/provisioning";
import { generateX25519KeyPair } from "../../src/core/wire/hpke";
import { IndexedDbVault } from "../../src/core/store/vault";
import { frame, scriptedServer, type ScriptAnswer, type ScriptedServer } from "../net/scripted";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** A well-formed server code (DeviceLinkCode.generate), with its two check characters. */
function serverCode(): string {
  const body = Array.from(randomBytes(10), (b) => ALPHABET[b & 31]).join("");
  const digest = sha256(utf8(body));
  return body + ALPHABET[digest[0] & 31] + ALPHABET[digest[1] & 31];
}

describe("link codes", () => {
  it("reads typed codes leniently and refuses malformed ones with a reason", () => {
    const code = shownLinkCode(serverCode(), randomBytes(32), randomBytes(32));
    const parts = splitLinkCode(code.toLowerCase().replace(/-/g, " "));
    expect(parts.serverCode + parts.fingerprint).toBe(code.replace(/-/g, ""));
    expect(splitLinkCode(code.replace(/0/g, "O").replace(/1/g, "l"))).toEqual(parts);
    expect(() => splitLinkCode("")).toThrow(/28 characters, this one 0/);
    expect(() => splitLinkCode("x".repeat(129))).toThrow(/not a valid link code/);
    expect(() => splitLinkCode(code.slice(0, -1) + "U")).toThrow(/no 'U'/);
    const plain = code.replace(/-/g, "");
    const wrongCheck = plain.slice(0, 11) + (plain[11] === "2" ? "3" : "2") + plain.slice(12);
    expect(() => splitLinkCode(wrongCheck)).toThrow(/check characters do not match/);
    expect(() => canonicalServerCode("ABCD")).toThrow(/12 characters/);
    expect(() => canonicalServerCode("U".repeat(12))).toThrow(/no 'U'/);
  });
});

describe("provisioning", () => {
  it("opens what was sealed to its key, and nothing else", async () => {
    const key = generateX25519KeyPair();
    const sealed = await sealProvisioning(
      { accountPrivateKey: randomBytes(32), deviceCertificate: randomBytes(64), profileKey: randomBytes(32), accountId: randomBytes(16) },
      key.publicKey,
    );
    expect((await openProvisioning(sealed, key.privateKey)).accountId).toHaveLength(16);
    await expect(openProvisioning(sealed, generateX25519KeyPair().privateKey)).rejects.toThrow(/cannot be opened/);
    await expect(openProvisioning(sealed.slice(0, 32), key.privateKey)).rejects.toThrow(/cannot be opened/);
    await expect(openProvisioning(new Uint8Array(5000), key.privateKey)).rejects.toThrow(/cannot be opened/);
    const tampered = sealed.slice();
    tampered[40] ^= 1;
    await expect(openProvisioning(tampered, key.privateKey)).rejects.toThrow(/cannot be opened/);
    await expect(sealProvisioning({ accountPrivateKey: new Uint8Array(0), deviceCertificate: new Uint8Array(0), profileKey: new Uint8Array(0), accountId: new Uint8Array(0) }, new Uint8Array(31))).rejects.toThrow(/31 bytes/);
  });
});

describe("a new device waiting on a hostile server", () => {
  /** A server that answers RequestLink with a code, then pushes `approval` (request id 0). */
  function hostile(approval: (provisioningKey: Uint8Array) => Promise<ServerFrame["body"]>): Promise<ScriptedServer> {
    return scriptedServer(async (request, socket): Promise<ScriptAnswer> => {
      if (request.body.case !== "requestLink") return "silent";
      socket.send(frame({ case: "linkRequested", value: create(LinkRequestedSchema, { code: serverCode(), expiresAt: BigInt(Date.now() + 60_000) }) }, request.requestId));
      socket.send(frame(await approval(request.body.value.provisioningKey)));
      return "silent";
    });
  }

  const approvalWith = async (key: Uint8Array, accountId: Uint8Array, deviceId: Uint8Array, sealedFor = accountId): Promise<ServerFrame["body"]> => ({
    case: "authenticated",
    value: create(AuthenticatedSchema, {
      accountId,
      deviceId,
      username: "x",
      provisioning: await sealProvisioning({ accountPrivateKey: randomBytes(32), deviceCertificate: randomBytes(64), profileKey: randomBytes(32), accountId: sealedFor }, key),
    }),
  });

  const cases: [string, (key: Uint8Array) => Promise<ServerFrame["body"]>, RegExp][] = [
    [
      "garbage",
      async () => ({ case: "authenticated", value: create(AuthenticatedSchema, { accountId: randomBytes(16), deviceId: randomBytes(16), username: "x", provisioning: randomBytes(100) }) }),
      /cannot be opened/,
    ],
    ["forged certificate", (key) => approvalWith(key, randomBytes(16), randomBytes(16)), /does not make it a device of that account/],
    ["another account id", (key) => approvalWith(key, randomBytes(16), randomBytes(16), randomBytes(16)), /does not make it a device of that account/],
    ["malformed device id", (key) => approvalWith(key, randomBytes(16), randomBytes(3)), /does not make it a device of that account/],
  ];

  for (const [name, approval, expected] of cases) {
    it(`refuses ${name} and saves nothing`, async () => {
      const server = await hostile(approval);
      const vault = await IndexedDbVault.create(`hostile-link-${name.replace(/ /g, "-")}`);
      try {
        const pending = await requestLink(vault, server.httpUrl);
        await expect(pending.approved).rejects.toThrow(expected);
        expect(await LocalDevice.load(vault)).toBeUndefined();
      } finally {
        vault.close();
        await server.close();
      }
    });
  }
});
