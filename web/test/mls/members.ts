// Parley identities for MLS tests: an account key that certifies device keys, as registration
// and linking make them (AccountKey.certify), without a server.
import { ed25519 } from "@noble/curves/ed25519.js";
import type { DeviceIdentity, Vault, VaultWrite } from "../../src/core/contracts";
import { randomBytes } from "../../src/core/bytes";
import { certificateContent } from "../../src/core/mls/credential";

export interface Account {
  username: string;
  accountId: Uint8Array;
  accountPrivateKey: Uint8Array;
  accountPublicKey: Uint8Array;
}

export function newAccount(username: string): Account {
  const accountPrivateKey = ed25519.utils.randomSecretKey();
  return { username, accountId: randomBytes(16), accountPrivateKey, accountPublicKey: ed25519.getPublicKey(accountPrivateKey) };
}

/** A device of `account`, certified by `signer` (the account's own key unless a forgery is wanted). */
export function newDevice(account: Account, signer: Uint8Array = account.accountPrivateKey): DeviceIdentity {
  const signaturePrivateKey = ed25519.utils.randomSecretKey();
  const signaturePublicKey = ed25519.getPublicKey(signaturePrivateKey);
  return {
    username: account.username,
    accountId: account.accountId,
    deviceId: randomBytes(16),
    signaturePrivateKey,
    signaturePublicKey,
    accountPublicKey: account.accountPublicKey,
    accountPrivateKey: account.accountPrivateKey,
    deviceCertificate: ed25519.sign(certificateContent(account.accountId, signaturePublicKey), signer),
    mailboxPublicKey: randomBytes(32),
    mailboxPrivateKey: randomBytes(32),
  };
}

/** A Vault in memory, for tests of parts that only need its contract. */
export class MemoryVault implements Vault {
  private readonly areas = new Map<string, Map<string, Uint8Array>>();
  async get(area: string, key: string) {
    return this.areas.get(area)?.get(key);
  }
  async put(area: string, key: string, value: Uint8Array) {
    if (!this.areas.has(area)) this.areas.set(area, new Map());
    this.areas.get(area)!.set(key, value);
  }
  async delete(area: string, key: string) {
    this.areas.get(area)?.delete(key);
  }
  async putAll(writes: VaultWrite[]) {
    for (const [area, key, value] of writes) await this.put(area, key, value);
  }
  async entries(area: string): Promise<[string, Uint8Array][]> {
    return [...(this.areas.get(area) ?? new Map<string, Uint8Array>()).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
