// The vault: values round-trip, stay sealed at rest, refuse tampering and moving, and a
// passphrase-protected profile opens only with its passphrase.
import { describe, expect, it } from "vitest";
import { IndexedDbVault, VaultError } from "../../src/core/store/vault";
import { utf8 } from "../../src/core/bytes";

/** Every raw record of the profile's database, as an attacker with the disk would see it. */
async function rawRecords(profile: string): Promise<{ key: IDBValidKey; value: { nonce: Uint8Array; sealed: Uint8Array } }[]> {
  const db = await new Promise<IDBDatabase>((ok, fail) => {
    const r = indexedDB.open(`parley-profile:${profile}`);
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
  const store = db.transaction("values").objectStore("values");
  const keys = await new Promise<IDBValidKey[]>((ok) => (store.getAllKeys().onsuccess = (e) => ok((e.target as IDBRequest).result)));
  const values = await new Promise<{ nonce: Uint8Array; sealed: Uint8Array }[]>((ok) => (store.getAll().onsuccess = (e) => ok((e.target as IDBRequest).result)));
  db.close();
  return keys.map((key, i) => ({ key, value: values[i] }));
}

async function overwriteRaw(profile: string, key: IDBValidKey, value: unknown): Promise<void> {
  const db = await new Promise<IDBDatabase>((ok) => (indexedDB.open(`parley-profile:${profile}`).onsuccess = (e) => ok((e.target as IDBOpenDBRequest).result)));
  const tx = db.transaction("values", "readwrite");
  tx.objectStore("values").put(value, key);
  await new Promise((ok) => (tx.oncomplete = ok));
  db.close();
}

describe("the vault", () => {
  it("round-trips values, lists an area in key order, deletes, and survives reopening", async () => {
    const vault = await IndexedDbVault.create("round-trip");
    await vault.put("contacts", "zoe", utf8("z"));
    await vault.put("contacts", "adam", utf8("a"));
    await vault.put("other", "adam", utf8("not a contact"));
    await vault.put("contacts", "adam", utf8("a2"));
    expect(await vault.get("contacts", "adam")).toEqual(utf8("a2"));
    expect(await vault.get("contacts", "nobody")).toBeUndefined();
    expect((await vault.entries("contacts")).map(([k]) => k)).toEqual(["adam", "zoe"]);
    await vault.delete("contacts", "zoe");
    expect(await vault.entries("contacts")).toEqual([["adam", utf8("a2")]]);
    vault.close();
    const again = await IndexedDbVault.open("round-trip");
    expect(await again.get("other", "adam")).toEqual(utf8("not a contact"));
    again.close();
    await expect(IndexedDbVault.create("round-trip")).rejects.toThrow(/exists already/);
    expect(await IndexedDbVault.exists("round-trip")).toBe(true);
    expect(await IndexedDbVault.protection("round-trip")).toBe("plain");
    await IndexedDbVault.delete("round-trip");
    expect(await IndexedDbVault.exists("round-trip")).toBe(false);
    await expect(IndexedDbVault.open("round-trip")).rejects.toThrow(/no profile named/);
  });

  it("lets the later of two writes of one entry win, even when the earlier one takes longer to seal", async () => {
    const vault = await IndexedDbVault.create("write-order");
    const big = new Uint8Array(8 * 1024 * 1024).fill(1);
    const writes = [vault.put("conversations", "a", big), vault.putAll([["conversations", "a", utf8("newer")], ["other", "b", utf8("b")]])];
    const removal = vault.delete("other", "b");
    await Promise.all([...writes, removal]);
    expect(await vault.get("conversations", "a")).toEqual(utf8("newer"));
    expect(await vault.get("other", "b")).toBeUndefined();
    vault.close();
    await IndexedDbVault.delete("write-order");
  });

  it("deletes a profile that is still open elsewhere (another tab)", async () => {
    const open = await IndexedDbVault.create("other-tab");
    await open.put("a", "b", utf8("c"));
    await IndexedDbVault.delete("other-tab");
    expect(await IndexedDbVault.exists("other-tab")).toBe(false);
  });

  it("stores neither values nor area and key names in the clear", async () => {
    const vault = await IndexedDbVault.create("at-rest");
    await vault.put("conversation-secrets", "group-with-carol", utf8("very secret text"));
    vault.close();
    const records = await rawRecords("at-rest");
    expect(records).toHaveLength(1);
    const everything = JSON.stringify(records.map((r) => [r.key, Array.from(r.value.sealed)]));
    expect(everything).not.toMatch(/carol|conversation|secret/);
    const text = new TextDecoder().decode(records[0].value.sealed);
    expect(text).not.toContain("very secret");
  });

  it("refuses a tampered value and a value moved to another entry", async () => {
    const vault = await IndexedDbVault.create("tamper");
    await vault.put("a", "one", utf8("first"));
    await vault.put("a", "two", utf8("second"));
    const [one, two] = await rawRecords("tamper");
    const flipped = one.value.sealed.slice();
    flipped[flipped.length - 1] ^= 1;
    await overwriteRaw("tamper", one.key, { nonce: one.value.nonce, sealed: flipped });
    const results = await Promise.all(["one", "two"].map((k) => vault.get("a", k).catch((e) => e)));
    const refused = results.filter((r) => r instanceof VaultError);
    expect(refused).toHaveLength(1); // the tampered one; the other still opens
    expect(refused[0].message).toMatch(/altered or moved/);
    await overwriteRaw("tamper", one.key, two.value); // a valid ciphertext, in the wrong place
    await expect(vault.entries("a")).rejects.toThrow(/altered or moved/);
    vault.close();
  });

  it("opens a passphrase profile only with its passphrase", async () => {
    const vault = await IndexedDbVault.create("passphrase", "correct horse battery staple");
    await vault.put("account", "device", utf8("keys"));
    vault.close();
    expect(await IndexedDbVault.protection("passphrase")).toBe("passphrase");
    expect(await IndexedDbVault.protection("never-made")).toBe("none");
    await expect(IndexedDbVault.open("passphrase", "wrong")).rejects.toThrow(/wrong passphrase/);
    await expect(IndexedDbVault.open("passphrase")).rejects.toThrow(/protected by a passphrase/);
    const opened = await IndexedDbVault.open("passphrase", "correct horse battery staple");
    expect(await opened.get("account", "device")).toEqual(utf8("keys"));
    opened.close();
    await expect(IndexedDbVault.create("empty-passphrase", "")).rejects.toThrow(/empty passphrase/);
    await expect(IndexedDbVault.open("bad name!")).rejects.toThrow(/profile name/);
  });
});
