// The account key this device has seen per username (trust on first use), as the Java client's
// Contacts pins it: local.proto ContactRecord values in the Vault's "contacts" area. A pin is
// confirmed when the server named the account in answer to a claim by username; a credential seen
// in a group only observes (a member writes its own username into its credential), and never
// moves a confirmed name to another account.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type ContactRecord, ContactRecordSchema } from "../../gen/parley/local/v1/local_pb";
import { constantTimeEquals } from "../bytes";
import type { ContactKeys, Vault } from "../contracts";

const AREA = "contacts";

/**
 * FIRST_SEEN, UNCHANGED, CHANGED (a new account key); IMPERSONATED: a credential gave a confirmed
 * name to another account (ignored); NAME_TAKEN_BACK: the server gave an unconfirmed name to
 * another account than the credential that claimed it.
 */
export type Observation = "FIRST_SEEN" | "UNCHANGED" | "CHANGED" | "IMPERSONATED" | "NAME_TAKEN_BACK";

export class Contacts implements ContactKeys {
  constructor(private readonly vault: Vault) {}

  async get(username: string): Promise<ContactRecord | undefined> {
    const bytes = await this.vault.get(AREA, username);
    return bytes ? fromBinary(ContactRecordSchema, bytes) : undefined;
  }

  async accountKey(username: string): Promise<Uint8Array | undefined> {
    const known = await this.get(username);
    return known && known.accountKey.length > 0 ? known.accountKey : undefined;
  }

  async nameConfirmed(username: string): Promise<boolean> {
    const known = await this.get(username);
    return known !== undefined && confirmed(known);
  }

  /** The username pinned to `accountId`, when any. */
  async usernameOf(accountId: Uint8Array): Promise<string | undefined> {
    for (const [, bytes] of await this.vault.entries(AREA)) {
      const record = fromBinary(ContactRecordSchema, bytes);
      if (constantTimeEquals(record.accountId, accountId)) return record.username;
    }
    return undefined;
  }

  /** The sealed-sender access key this device holds for `accountId`, when shared with it. */
  async accessKeyOf(accountId: Uint8Array): Promise<Uint8Array | undefined> {
    for (const [, bytes] of await this.vault.entries(AREA)) {
      const record = fromBinary(ContactRecordSchema, bytes);
      if (constantTimeEquals(record.accountId, accountId) && record.accessKey.length > 0) return record.accessKey;
    }
    return undefined;
  }

  /** Records what a credential seen in a group says; never confirms the name. */
  async observe(username: string, accountId: Uint8Array, accountKey: Uint8Array): Promise<Observation> {
    const known = await this.get(username);
    if (known && confirmed(known) && !constantTimeEquals(accountId, known.accountId)) return "IMPERSONATED";
    return this.pin(username, known, accountId, accountKey, false);
  }

  /** Records the account the server gave `username` in answer to a claim by username: the pin is confirmed. */
  async confirm(username: string, accountId: Uint8Array, accountKey: Uint8Array): Promise<Observation> {
    const known = await this.get(username);
    if (known && known.accountKey.length > 0 && !confirmed(known) && !constantTimeEquals(accountId, known.accountId)) {
      await this.pin(username, undefined, accountId, accountKey, true);
      return "NAME_TAKEN_BACK";
    }
    return this.pin(username, known, accountId, accountKey, true);
  }

  /** Remembers the contact's access key, learned inside a conversation from the account it belongs to. */
  async rememberAccessKey(username: string, accountId: Uint8Array, accessKey: Uint8Array): Promise<void> {
    const known = await this.get(username);
    if (known && constantTimeEquals(known.accountId, accountId)) {
      known.accessKey = accessKey;
      await this.vault.put(AREA, username, toBinary(ContactRecordSchema, known));
    }
  }

  /**
   * Marks the contact verified (the safety number of `accountKey` matched): a change is
   * acknowledged, and the name is the person's word. Refused when the pin moved on meanwhile.
   */
  async markVerified(username: string, accountKey: Uint8Array): Promise<void> {
    const known = await this.get(username);
    if (!known || !constantTimeEquals(known.accountKey, accountKey)) {
      throw new Error(`${username}'s account key changed while you compared: compare the new safety number`);
    }
    known.verified = true;
    known.changed = false;
    known.needsAcceptance = false;
    known.nameConfirmed = true;
    await this.vault.put(AREA, username, toBinary(ContactRecordSchema, known));
  }

  private async pin(
    username: string,
    known: ContactRecord | undefined,
    accountId: Uint8Array,
    accountKey: Uint8Array,
    confirming: boolean,
  ): Promise<Observation> {
    let record: ContactRecord;
    let observation: Observation;
    if (!known || known.accountKey.length === 0) {
      record = known ?? create(ContactRecordSchema, { username });
      record.accountId = accountId;
      record.accountKey = accountKey;
      observation = "FIRST_SEEN";
    } else if (constantTimeEquals(accountKey, known.accountKey) && constantTimeEquals(accountId, known.accountId)) {
      if (!confirming || known.nameConfirmed) return "UNCHANGED";
      record = known;
      observation = "UNCHANGED";
    } else {
      // The old access key was given by whoever held the old key: it must not serve the new one.
      record = known;
      record.previousAccountKeys.push(known.accountKey);
      record.accountId = accountId;
      record.accountKey = accountKey;
      record.changed = true;
      record.needsAcceptance = known.verified || known.needsAcceptance;
      record.verified = false;
      record.accessKey = new Uint8Array();
      observation = "CHANGED";
    }
    record.nameConfirmed = confirming || record.nameConfirmed;
    await this.vault.put(AREA, username, toBinary(ContactRecordSchema, record));
    return observation;
  }
}

/** A verified pin (and one waiting for acceptance, verified before) is as good as the server's word. */
function confirmed(known: ContactRecord): boolean {
  return known.accountKey.length > 0 && (known.nameConfirmed || known.verified || known.needsAcceptance);
}
