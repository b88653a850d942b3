// The profile store (contracts.Vault) on IndexedDB. Every value is sealed with AES-256-GCM under a
// non-extractable key, with a fresh 96-bit nonce (NIST SP 800-38D section 8.2.2), and bound to its
// place: the associated data is the entry's lookup tag, HMAC-SHA256 over its area and key, so a
// value moved to another entry does not open. Areas and keys are stored only as those tags (as the
// Java ProfileKey looks entries up by HMAC), so the database does not show which conversations
// or contacts exist; the key name travels inside the ciphertext.
//
// Without a passphrase the two CryptoKeys are kept in IndexedDB as non-extractable objects
// (structured clone): script on this origin can use them but nobody can export them. With a
// passphrase they are stored wrapped (AES-KW, RFC 3394) under a key from PBKDF2-SHA-256 (RFC 8018
// section 5.2) of it; AES-KW's integrity check makes a wrong passphrase a clear error.
import { concat, utf8, toHex, randomBytes } from "../bytes";
import type { Vault, VaultWrite } from "../contracts";
import { bufferOf } from "./buffers";
import { deleteDatabase, openDatabase, requestResult, transactionDone } from "./idb";

const META = "meta";
const VALUES = "values";
const META_KEY = "keys";
const NONCE_BYTES = 12;
const SALT_BYTES = 16;
/** OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256; a stored count below it is refused as tampering. */
export const PBKDF2_ITERATIONS = 600_000;

/** Refusals of the vault, with a message for people; never carries key material. */
export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VaultError";
  }
}

interface PlainKeys {
  kind: "plain";
  seal: CryptoKey;
  lookup: CryptoKey;
}

interface WrappedKeys {
  kind: "passphrase";
  salt: Uint8Array;
  iterations: number;
  seal: Uint8Array;
  lookup: Uint8Array;
}

interface StoredValue {
  nonce: Uint8Array;
  sealed: Uint8Array;
}

function databaseName(profile: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(profile)) throw new VaultError("a profile name is 1 to 64 of A-Z a-z 0-9 _ . -");
  return `parley-profile:${profile}`;
}

export class IndexedDbVault implements Vault {
  /** The last write transaction made (or the failure to make it). */
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: IDBDatabase,
    private readonly sealKey: CryptoKey,
    private readonly lookupKey: CryptoKey,
  ) {}

  /** Creates a new, empty profile; refuses when one exists under that name. */
  static async create(profile: string, passphrase?: string): Promise<IndexedDbVault> {
    const { db, created } = await openDatabase(databaseName(profile), [META, VALUES]);
    if (!created && (await requestResult(db.transaction(META).objectStore(META).get(META_KEY))) !== undefined) {
      db.close();
      throw new VaultError(`a profile named ${profile} exists already in this browser`);
    }
    const exportable = passphrase !== undefined;
    const seal = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, exportable, ["encrypt", "decrypt"]);
    const lookup = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256", length: 256 }, exportable, ["sign"]);
    let stored: PlainKeys | WrappedKeys;
    let keys: { seal: CryptoKey; lookup: CryptoKey };
    if (passphrase === undefined) {
      stored = { kind: "plain", seal, lookup };
      keys = { seal, lookup };
    } else {
      if (passphrase.length === 0) throw new VaultError("an empty passphrase protects nothing; give none, or a real one");
      const salt = randomBytes(SALT_BYTES);
      const wrapping = await passphraseKey(passphrase, salt, PBKDF2_ITERATIONS);
      stored = {
        kind: "passphrase",
        salt,
        iterations: PBKDF2_ITERATIONS,
        seal: new Uint8Array(await crypto.subtle.wrapKey("raw", seal, wrapping, "AES-KW")),
        lookup: new Uint8Array(await crypto.subtle.wrapKey("raw", lookup, wrapping, "AES-KW")),
      };
      // The generated keys had to be extractable to be wrapped; keep only non-extractable copies in use.
      keys = await unwrap(stored, wrapping);
    }
    const transaction = db.transaction(META, "readwrite");
    transaction.objectStore(META).put(stored, META_KEY);
    await transactionDone(transaction);
    return new IndexedDbVault(db, keys.seal, keys.lookup);
  }

  /** Opens an existing profile; a passphrase-protected one needs its passphrase. */
  static async open(profile: string, passphrase?: string): Promise<IndexedDbVault> {
    const { db, created } = await openDatabase(databaseName(profile), [META, VALUES]);
    const stored = created ? undefined : ((await requestResult(db.transaction(META).objectStore(META).get(META_KEY))) as PlainKeys | WrappedKeys | undefined);
    try {
      if (stored === undefined) throw new VaultError(`there is no profile named ${profile} in this browser`);
      if (stored.kind === "plain") {
        if (passphrase !== undefined) throw new VaultError("this profile has no passphrase; open it without one");
        return new IndexedDbVault(db, stored.seal, stored.lookup);
      }
      if (stored.kind !== "passphrase" || !(stored.iterations >= PBKDF2_ITERATIONS) || !(stored.salt instanceof Uint8Array)) {
        throw new VaultError("this profile's key record is damaged");
      }
      if (passphrase === undefined) throw new VaultError("this profile is protected by a passphrase; give it to open the profile");
      const keys = await unwrap(stored, await passphraseKey(passphrase, stored.salt, stored.iterations));
      return new IndexedDbVault(db, keys.seal, keys.lookup);
    } catch (e) {
      db.close();
      if (created) await deleteDatabase(databaseName(profile));
      throw e;
    }
  }

  /** Whether a profile of that name exists in this browser, and whether a passphrase locks it. */
  static async protection(profile: string): Promise<"none" | "plain" | "passphrase"> {
    const { db, created } = await openDatabase(databaseName(profile), [META, VALUES]);
    const stored = created ? undefined : ((await requestResult(db.transaction(META).objectStore(META).get(META_KEY))) as PlainKeys | WrappedKeys | undefined);
    db.close();
    if (created) await deleteDatabase(databaseName(profile));
    return stored === undefined ? "none" : stored.kind === "passphrase" ? "passphrase" : "plain";
  }

  /** Whether a profile of that name exists in this browser. */
  static async exists(profile: string): Promise<boolean> {
    return (await IndexedDbVault.protection(profile)) !== "none";
  }

  /** Deletes a profile and everything in it, for good. */
  static async delete(profile: string): Promise<void> {
    await deleteDatabase(databaseName(profile));
  }

  close(): void {
    this.db.close();
  }

  async get(area: string, key: string): Promise<Uint8Array | undefined> {
    const tags = await this.tags(area, key);
    const stored = (await requestResult(this.db.transaction(VALUES).objectStore(VALUES).get(tags))) as StoredValue | undefined;
    if (stored === undefined) return undefined;
    const opened = await this.openValue(tags[1], stored);
    if (opened.key !== key) throw new VaultError(`the profile entry ${area}/${key} is damaged`);
    return opened.value;
  }

  put(area: string, key: string, value: Uint8Array): Promise<void> {
    return this.putAll([[area, key, value]]);
  }

  async putAll(writes: VaultWrite[]): Promise<void> {
    // Sealed first, all at once: IndexedDB commits a transaction that waits on anything else.
    const rows = Promise.all(writes.map(([area, key, value]) => this.sealEntry(area, key, value)));
    await this.write(rows, (values, sealed) => sealed.forEach(({ tags, stored }) => values.put(stored, tags)));
  }

  /**
   * Makes write transactions in the order of the calls, whatever their sealing took: IndexedDB runs
   * them in the order they were made, so of two writes of one entry the later call always wins.
   */
  private async write<T>(prepared: Promise<T>, operations: (values: IDBObjectStore, prepared: T) => void): Promise<void> {
    const made = this.writes.then(() => prepared).then((ready) => {
      const transaction = this.db.transaction(VALUES, "readwrite");
      operations(transaction.objectStore(VALUES), ready);
      return transaction;
    });
    this.writes = made.catch(() => undefined);
    await transactionDone(await made);
  }

  private async sealEntry(area: string, key: string, value: Uint8Array): Promise<{ tags: [string, string]; stored: StoredValue }> {
    const tags = await this.tags(area, key);
    const nonce = randomBytes(NONCE_BYTES);
    const name = utf8(key);
    const plain = concat(u32(name.length), name, value);
    const sealed = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-GCM", iv: bufferOf(nonce), additionalData: bufferOf(utf8(tags[1])) }, this.sealKey, bufferOf(plain)),
    );
    return { tags, stored: { nonce, sealed } };
  }

  delete(area: string, key: string): Promise<void> {
    return this.write(this.tags(area, key), (values, tags) => values.delete(tags));
  }

  async entries(area: string): Promise<[string, Uint8Array][]> {
    const areaTag = await this.tag(concat(utf8("area"), new Uint8Array([0]), utf8(area)));
    const store = this.db.transaction(VALUES).objectStore(VALUES);
    const range = IDBKeyRange.bound([areaTag, ""], [areaTag, "\uffff"]);
    const [keys, values] = await Promise.all([requestResult(store.getAllKeys(range)), requestResult(store.getAll(range))]);
    const out: [string, Uint8Array][] = [];
    for (let i = 0; i < keys.length; i++) {
      const opened = await this.openValue((keys[i] as string[])[1], values[i] as StoredValue);
      if ((await this.tags(area, opened.key))[1] !== (keys[i] as string[])[1]) {
        throw new VaultError(`an entry of the profile area ${area} is damaged`);
      }
      out.push([opened.key, opened.value]);
    }
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  private async openValue(entryTag: string, stored: StoredValue): Promise<{ key: string; value: Uint8Array }> {
    let plain: Uint8Array;
    try {
      plain = new Uint8Array(
        await crypto.subtle.decrypt({ name: "AES-GCM", iv: bufferOf(stored.nonce), additionalData: bufferOf(utf8(entryTag)) }, this.sealKey, bufferOf(stored.sealed)),
      );
    } catch {
      throw new VaultError("a profile entry does not open: it was altered or moved (the profile is damaged)");
    }
    const nameLength = new DataView(plain.buffer, plain.byteOffset, plain.byteLength).getUint32(0);
    return { key: new TextDecoder().decode(plain.subarray(4, 4 + nameLength)), value: plain.slice(4 + nameLength) };
  }

  /** [area tag, entry tag]: what IndexedDB sees instead of the area and key. */
  private async tags(area: string, key: string): Promise<[string, string]> {
    const areaBytes = utf8(area);
    return [
      await this.tag(concat(utf8("area"), new Uint8Array([0]), areaBytes)),
      await this.tag(concat(utf8("entry"), new Uint8Array([0]), u32(areaBytes.length), areaBytes, utf8(key))),
    ];
  }

  private async tag(data: Uint8Array): Promise<string> {
    return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", this.lookupKey, bufferOf(data))));
  }
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

async function passphraseKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", bufferOf(utf8(passphrase)), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: bufferOf(salt), iterations },
    material,
    { name: "AES-KW", length: 256 },
    false,
    ["wrapKey", "unwrapKey"],
  );
}

async function unwrap(stored: WrappedKeys, wrapping: CryptoKey): Promise<{ seal: CryptoKey; lookup: CryptoKey }> {
  try {
    return {
      seal: await crypto.subtle.unwrapKey("raw", bufferOf(stored.seal), wrapping, "AES-KW", { name: "AES-GCM", length: 256 }, false, [
        "encrypt",
        "decrypt",
      ]),
      lookup: await crypto.subtle.unwrapKey("raw", bufferOf(stored.lookup), wrapping, "AES-KW", { name: "HMAC", hash: "SHA-256" }, false, ["sign"]),
    };
  } catch {
    throw new VaultError("wrong passphrase for this profile");
  }
}
