// Verification against the pins of keys/contacts.ts in a real (IndexedDB) vault: a key change
// after verifying shows as changed and unverified, verifying by eye covers only the key whose
// number was shown, and a proof (typed digits or scanned QR payload) must match.
import { ed25519 } from "@noble/curves/ed25519.js";
import { beforeEach, describe, expect, it } from "vitest";
import { randomBytes, toHex } from "../../src/core/bytes";
import { Contacts } from "../../src/core/keys/contacts";
import { Safety } from "../../src/core/safety";
import { computeSafetyNumber } from "../../src/core/safety/safetyNumber";
import { IndexedDbVault } from "../../src/core/store/vault";

const self = { username: "hana", accountPublicKey: ed25519.getPublicKey(ed25519.utils.randomSecretKey()) };
const accountKey = () => ed25519.getPublicKey(ed25519.utils.randomSecretKey());
let contacts: Contacts;
let safety: Safety;
const ivoId = randomBytes(16);

beforeEach(async () => {
  const vault = await IndexedDbVault.create(`safety-${toHex(randomBytes(4))}`);
  contacts = new Contacts(vault);
  safety = new Safety(self, vault, contacts);
});

describe("verification", () => {
  it("marks the pinned key verified, and a new key later shows changed and unverified", async () => {
    const first = accountKey();
    await contacts.confirm("ivo", ivoId, first);
    const info = await safety.safetyNumber("ivo");
    expect(info).toMatchObject({ username: "ivo", verified: false, changed: false });
    expect(info.qr).toBe(computeSafetyNumber({ username: "hana", accountKey: self.accountPublicKey }, { username: "ivo", accountKey: first }).qr);
    await safety.verify("ivo");
    expect(await safety.safetyNumber("ivo")).toMatchObject({ verified: true, changed: false });

    const second = accountKey();
    expect(await contacts.confirm("ivo", ivoId, second)).toBe("CHANGED");
    const changed = await safety.safetyNumber("ivo");
    expect(changed).toMatchObject({ verified: false, changed: true });
    expect(changed.number).not.toBe(info.number);
    expect((await contacts.get("ivo"))!.needsAcceptance).toBe(true);
    await safety.verify("ivo", changed.qr);
    expect(await safety.safetyNumber("ivo")).toMatchObject({ verified: true, changed: false });
    expect((await contacts.get("ivo"))!.needsAcceptance).toBe(false);
  });

  it("refuses a verify by eye before any number was shown, or after the key changed since", async () => {
    await contacts.confirm("ivo", ivoId, accountKey());
    await expect(safety.verify("ivo")).rejects.toThrow(/compare the safety number with ivo before verifying/);
    await safety.safetyNumber("ivo");
    await contacts.confirm("ivo", ivoId, accountKey());
    await expect(safety.verify("ivo")).rejects.toThrow(/changed since the number was shown/);
    expect((await contacts.get("ivo"))!.verified).toBe(false);
  });

  it("refuses a proof that is not this number, typed or scanned", async () => {
    const key = accountKey();
    await contacts.confirm("ivo", ivoId, key);
    const other = computeSafetyNumber({ username: "hana", accountKey: self.accountPublicKey }, { username: "ivo", accountKey: accountKey() });
    for (const proof of [other.digits, other.qr, "", "1".repeat(60), "PARLEY-SAFETY:1:garbage", "\u0000".repeat(1000)]) {
      await expect(safety.verify("ivo", proof)).rejects.toThrow(/numbers differ/);
    }
    expect((await contacts.get("ivo"))!.verified).toBe(false);
  });

  it("has no number for strangers or for oneself", async () => {
    await expect(safety.safetyNumber("nobody")).rejects.toThrow(/no account key of nobody is known yet/);
    await expect(safety.verify("nobody", "1".repeat(60))).rejects.toThrow(/no account key of nobody/);
    await expect(safety.safetyNumber("hana")).rejects.toThrow(/between you and someone else/);
  });
});
