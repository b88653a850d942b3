// This device (port of account/DeviceIdentity.java and MailboxKey.java) as local.proto's
// DeviceRecord holds it, sealed in the vault. A record is accepted only when the account key
// certifies the device's key for its account: a damaged or altered profile is refused, not used.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ed25519 } from "@noble/curves/ed25519.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { DeviceRecordSchema, type DeviceRecord } from "../../gen/parley/local/v1/local_pb";
import { toHex, utf8 } from "../bytes";
import type { DeviceIdentity, Vault } from "../contracts";
import type { ServerTrust } from "../net/addresses";
import type { Credentials } from "../net/session";
import { isValidX25519PublicKey, X25519_KEY_BYTES } from "../wire/hpke";
import { openMailboxCopy } from "../wire/mailboxSeal";
import { certifies, signChallenge } from "./certificates";

const AREA = "account";
const KEY = "device";
export const PROFILE_KEY_BYTES = 32;
/** AccessKey.BYTES. */
export const ACCESS_KEY_BYTES = 16;

/** AccessKey.fromProfileKey: the first 16 bytes of HMAC-SHA256(profile key, "parley access key"). */
export function accessKeyFromProfileKey(profileKey: Uint8Array): Uint8Array {
  return hmac(sha256, profileKey, utf8("parley access key")).slice(0, ACCESS_KEY_BYTES);
}

/** The device of a profile: the contract's fields, the server it belongs to, and what it does with its keys. */
export class LocalDevice implements DeviceIdentity, Credentials {
  private constructor(private record: DeviceRecord) {}

  /** Checks the parts and the certificate; throws (nothing must be saved then) when they do not fit together. */
  static create(fields: {
    server: string;
    username: string;
    accountId: Uint8Array;
    deviceId: Uint8Array;
    signaturePrivateKey: Uint8Array;
    accountPrivateKey: Uint8Array;
    deviceCertificate: Uint8Array;
    profileKey: Uint8Array;
    mailboxPrivateKey: Uint8Array;
    mailboxPublicKey: Uint8Array;
    /** The server's key pinned at registration or link, and its verified announcement. */
    trust: ServerTrust;
    /** The bridge link registration or link went through: the first added address, and the one that worked. */
    bridge?: string;
  }): LocalDevice {
    const record = create(DeviceRecordSchema, {
      server: fields.server,
      username: fields.username,
      accountId: fields.accountId,
      deviceId: fields.deviceId,
      identityPrivateKey: fields.signaturePrivateKey,
      accountPrivateKey: fields.accountPrivateKey,
      deviceCertificate: fields.deviceCertificate,
      profileKey: fields.profileKey,
      mailboxPrivateKey: fields.mailboxPrivateKey,
      mailboxPublicKey: fields.mailboxPublicKey,
      serverKey: fields.trust.serverKey,
      announcedAddresses: [...fields.trust.announcedAddresses],
      announcedAtMs: fields.trust.announcedAtMs,
      extraAddresses: fields.bridge ? [fields.bridge] : [],
      lastWorking: fields.bridge ?? "",
    });
    const problem = LocalDevice.problem(record);
    if (problem) throw new Error(`this device's keys do not fit together (${problem})`);
    return new LocalDevice(record);
  }

  /** The profile's device, or undefined before register/link; throws when the stored record is damaged. */
  static async load(vault: Vault): Promise<LocalDevice | undefined> {
    const bytes = await vault.get(AREA, KEY);
    if (bytes === undefined) return undefined;
    let record: DeviceRecord;
    try {
      record = fromBinary(DeviceRecordSchema, bytes);
    } catch {
      throw new Error("the device record in this profile is damaged; delete the profile and register or link again");
    }
    const problem = LocalDevice.problem(record);
    if (problem) throw new Error(`the device record in this profile is damaged (${problem}); delete the profile and register or link again`);
    return new LocalDevice(record);
  }

  private static problem(record: DeviceRecord): string | undefined {
    if (record.identityPrivateKey.length !== 32) return "signature key";
    if (record.accountPrivateKey.length !== 32) return "account key";
    if (record.accountId.length !== 16 || record.deviceId.length !== 16) return "account or device id";
    if (record.mailboxPrivateKey.length !== X25519_KEY_BYTES || !isValidX25519PublicKey(record.mailboxPublicKey)) return "mailbox key";
    if (record.profileKey.length !== 0 && record.profileKey.length !== PROFILE_KEY_BYTES) return "profile key";
    const accountKey = ed25519.getPublicKey(record.accountPrivateKey);
    const deviceKey = ed25519.getPublicKey(record.identityPrivateKey);
    if (!certifies(accountKey, record.accountId, deviceKey, record.deviceCertificate)) return "its certificate does not match";
    return undefined;
  }

  async save(vault: Vault): Promise<void> {
    await vault.put(AREA, KEY, toBinary(DeviceRecordSchema, this.record));
  }

  /**
   * Replaces the account's profile key (a rotation after a block, or a newer one another device of
   * the account made; the caller checks that it is newer), saved, and seen at once by every part
   * holding this identity. The server's copy of the access key is the caller's (accounts.setAccessKey).
   */
  async replaceProfileKey(vault: Vault, profileKey: Uint8Array): Promise<void> {
    if (profileKey.length !== PROFILE_KEY_BYTES) throw new Error(`a profile key has 32 bytes, not ${profileKey.length}`);
    const next = create(DeviceRecordSchema, { ...this.record, profileKey: profileKey.slice() });
    await vault.put(AREA, KEY, toBinary(DeviceRecordSchema, next));
    // Only once saved; onto the record as it is now, which a connection may have changed meanwhile.
    this.record = create(DeviceRecordSchema, { ...this.record, profileKey: profileKey.slice() });
  }

  /**
   * Replaces what this profile trusts of its server and the address that signed in last, and
   * saves. Seen at once in memory: connections call this and must not wait for the vault.
   */
  async updateServer(vault: Vault, trust: ServerTrust, lastWorking: string): Promise<void> {
    this.record = create(DeviceRecordSchema, {
      ...this.record,
      serverKey: trust.serverKey.slice(),
      announcedAddresses: [...trust.announcedAddresses],
      announcedAtMs: trust.announcedAtMs,
      lastWorking,
    });
    await vault.put(AREA, KEY, toBinary(DeviceRecordSchema, this.record));
  }

  /** Replaces the addresses the user added (bridge links), in order, and saves. */
  async updateAddedAddresses(vault: Vault, added: readonly string[]): Promise<void> {
    this.record = create(DeviceRecordSchema, { ...this.record, extraAddresses: [...added] });
    await vault.put(AREA, KEY, toBinary(DeviceRecordSchema, this.record));
  }

  get server(): string {
    return this.record.server;
  }
  /** The addresses the user added (DeviceRecord.extra_addresses, as `parley servers add` keeps them). */
  get addedAddresses(): readonly string[] {
    return [...this.record.extraAddresses];
  }
  /** The pinned server key (empty: not pinned yet, a profile from before server keys) and the server's verified announcement. */
  get serverTrust(): ServerTrust {
    return { serverKey: this.record.serverKey.slice(), announcedAddresses: [...this.record.announcedAddresses], announcedAtMs: this.record.announcedAtMs };
  }
  get serverKey(): Uint8Array {
    return this.record.serverKey.slice();
  }
  /** The address that signed in last, canonical; "" before any did. */
  get lastWorking(): string {
    return this.record.lastWorking;
  }
  get username(): string {
    return this.record.username;
  }
  get accountId(): Uint8Array {
    return this.record.accountId.slice();
  }
  get deviceId(): Uint8Array {
    return this.record.deviceId.slice();
  }
  get deviceIdHex(): string {
    return toHex(this.record.deviceId);
  }
  get signaturePublicKey(): Uint8Array {
    return ed25519.getPublicKey(this.record.identityPrivateKey);
  }
  get signaturePrivateKey(): Uint8Array {
    return this.record.identityPrivateKey.slice();
  }
  get accountPublicKey(): Uint8Array {
    return ed25519.getPublicKey(this.record.accountPrivateKey);
  }
  get accountPrivateKey(): Uint8Array {
    return this.record.accountPrivateKey.slice();
  }
  get deviceCertificate(): Uint8Array {
    return this.record.deviceCertificate.slice();
  }
  get mailboxPublicKey(): Uint8Array {
    return this.record.mailboxPublicKey.slice();
  }
  get mailboxPrivateKey(): Uint8Array {
    return this.record.mailboxPrivateKey.slice();
  }
  /** 32 random bytes shared by the account's devices; access keys derive from it. */
  get profileKey(): Uint8Array {
    return this.record.profileKey.slice();
  }
  /** This account's sealed-sender access key (AccessKey.fromProfileKey). */
  get accessKey(): Uint8Array {
    return accessKeyFromProfileKey(this.record.profileKey);
  }

  signChallenge(challenge: Uint8Array): Uint8Array {
    return signChallenge(this.record.identityPrivateKey, challenge);
  }

  /** A Deliver.payload opened with this device's mailbox key; throws when it was not sealed to it. */
  openMailboxCopy(delivered: Uint8Array): Promise<Uint8Array> {
    return openMailboxCopy(this.record.mailboxPrivateKey, delivered);
  }

  toString(): string {
    return `LocalDevice[${this.record.username}, device ${this.deviceIdHex}]`;
  }

  toJSON(): unknown {
    return { username: this.record.username, deviceId: this.deviceIdHex };
  }
}
