// Which accounts this account talks to (the Java client's Consent): accepted ones (it started a
// conversation with them, added them, or accepted their request) and blocked ones (their
// messages are dropped). Kept by account id, which MLS authenticates, not by username; stored as
// local.proto's ConsentList in the Vault.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type ConsentList, ConsentListSchema, ConsentRecordSchema } from "../../gen/parley/local/v1/local_pb";
import { constantTimeEquals } from "../bytes";
import type { Vault } from "../contracts";

const AREA = "consent";
const KEY = "accounts";

export class Consent {
  private list: ConsentList = create(ConsentListSchema);

  constructor(
    private readonly vault: Vault,
    private readonly ownAccount: Uint8Array,
  ) {}

  async load(): Promise<void> {
    const bytes = await this.vault.get(AREA, KEY);
    if (bytes) this.list = fromBinary(ConsentListSchema, bytes);
  }

  private find(account: Uint8Array) {
    return this.list.accounts.find((r) => constantTimeEquals(r.accountId, account));
  }

  /** Whether messages from `account` are welcome: this account itself, or accepted and not blocked. */
  accepted(account: Uint8Array): boolean {
    if (constantTimeEquals(account, this.ownAccount)) return true;
    const record = this.find(account);
    return record !== undefined && record.accepted && !record.blocked;
  }

  blocked(account: Uint8Array): boolean {
    return this.find(account)?.blocked ?? false;
  }

  /** This account talks to `account` from now on; a blocked account stays blocked until unblocked. */
  async accept(account: Uint8Array, username: string): Promise<void> {
    if (constantTimeEquals(account, this.ownAccount)) return;
    await this.update(account, username, (r) => {
      r.accepted = r.accepted || !r.blocked;
    });
  }

  /** Blocking also withdraws the acceptance: unblocking does not bring back what was accepted. */
  async setBlocked(account: Uint8Array, username: string, blocked: boolean): Promise<void> {
    await this.update(account, username, (r) => {
      r.blocked = blocked;
      r.accepted = r.accepted && !blocked;
    });
  }

  /** How many times this account's profile key was rotated, as far as this device knows. */
  profileKeyGeneration(): bigint {
    return this.list.profileKeyGeneration;
  }

  async setProfileKeyGeneration(generation: bigint): Promise<void> {
    this.list.profileKeyGeneration = generation;
    await this.vault.put(AREA, KEY, toBinary(ConsentListSchema, this.list));
  }

  private async update(account: Uint8Array, username: string, change: (r: { accepted: boolean; blocked: boolean }) => void) {
    let record = this.find(account);
    if (!record) {
      record = create(ConsentRecordSchema, { accountId: account, username });
      this.list.accounts.push(record);
    }
    record.username = username;
    change(record);
    await this.vault.put(AREA, KEY, toBinary(ConsentListSchema, this.list));
  }
}
