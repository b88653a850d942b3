// The account key this device pinned for each other username (trust on first use) and whether a
// person verified it, as the Java client's Contacts keeps them: one local.proto ContactRecord per
// username, here in the Vault. Another account key for a known username is a change: the contact
// is marked changed and unverified, and when it had been verified it needs acceptance (the Java
// client blocks sending until then). The keys come from the MLS credentials the conversations
// checked (ContactKeys), never from a server listing.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ContactRecordSchema, type ContactRecord } from "../../gen/parley/local/v1/local_pb";
import { constantTimeEquals } from "../bytes";
import type { Vault } from "../contracts";

const AREA = "contacts";

/** What a sighting of a username's account key meant. */
export type Observation = "FIRST_SEEN" | "UNCHANGED" | "CHANGED";

export class Contacts {
  /** Read-modify-write of records one at a time, so two sightings cannot lose each other's update. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly vault: Vault) {}

  /** The record for `username`, or undefined when never seen. */
  async get(username: string): Promise<ContactRecord | undefined> {
    const bytes = await this.vault.get(AREA, username);
    if (bytes === undefined) return undefined;
    try {
      return fromBinary(ContactRecordSchema, bytes);
    } catch {
      throw new Error(`the stored identity of ${username} is damaged`);
    }
  }

  /** Pins `accountKey` for `username` when none is, and says whether it changed since. */
  observe(username: string, accountKey: Uint8Array): Promise<Observation> {
    return this.exclusive(async () => {
      const known = await this.get(username);
      if (known === undefined || known.accountKey.length === 0) {
        // Never seen, or seen only before account keys existed: this is the first sighting of a key.
        const record = known ?? create(ContactRecordSchema, { username });
        record.accountKey = accountKey.slice();
        await this.save(record);
        return "FIRST_SEEN";
      }
      if (constantTimeEquals(accountKey, known.accountKey)) return "UNCHANGED";
      known.previousAccountKeys.push(known.accountKey);
      known.accountKey = accountKey.slice();
      known.needsAcceptance = known.verified || known.needsAcceptance;
      known.changed = true;
      known.verified = false;
      // The old access key was given by whoever held the old key: it must not serve the new one.
      known.accessKey = new Uint8Array();
      await this.save(known);
      return "CHANGED";
    });
  }

  /**
   * Marks the contact verified (the safety number matched): a change is acknowledged. Refused when
   * the pinned key is no longer `accountKey`, the key whose number the person compared.
   */
  markVerified(username: string, accountKey: Uint8Array): Promise<void> {
    return this.exclusive(async () => {
      const known = await this.get(username);
      if (known === undefined || !constantTimeEquals(known.accountKey, accountKey)) {
        throw new Error(`${username}'s account key changed while you compared: compare the new safety number`);
      }
      known.verified = true;
      known.changed = false;
      known.needsAcceptance = false;
      known.nameConfirmed = true; // as in Java: a verified name is the person's word
      await this.save(known);
    });
  }

  private save(record: ContactRecord): Promise<void> {
    return this.vault.put(AREA, record.username, toBinary(ContactRecordSchema, record));
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.turn.then(work);
    this.turn = result.catch(() => undefined);
    return result;
  }
}
