// Safety numbers and verification (ParleyApp.safetyNumber and verify), from the two account keys
// this device holds: its own, and the one pinned for the contact (keys/contacts.ts pins it from the
// server's answers and the MLS credentials the conversations checked), never from a server listing.
// The QR code carries the number and both account keys (safetyNumber.ts).
import type { SafetyNumberInfo } from "../api";
import { constantTimeEquals } from "../bytes";
import { CoreError } from "../net/errors";
import type { ContactKeys, DeviceIdentity, SafetyFactory, SafetyService, Vault } from "../contracts";
import { Contacts } from "../keys/contacts";
import { computeSafetyNumber, formatSafetyNumber, matchesSafetyNumber, type SafetyNumber } from "./safetyNumber";

export class Safety implements SafetyService {
  private readonly contacts: Contacts;
  /** The key whose number was last shown per username: a verify by eye confirms that one only. */
  private readonly shown = new Map<string, Uint8Array>();

  constructor(
    private readonly self: Pick<DeviceIdentity, "username" | "accountPublicKey">,
    vault: Vault,
    private readonly keys: ContactKeys,
  ) {
    this.contacts = new Contacts(vault);
  }

  async safetyNumber(username: string): Promise<SafetyNumberInfo> {
    const { number, accountKey } = await this.current(username);
    const record = await this.contacts.get(username);
    this.shown.set(username, accountKey);
    return {
      username,
      number: formatSafetyNumber(number.digits),
      qr: number.qr,
      verified: record?.verified ?? false,
      changed: record?.changed ?? false,
    };
  }

  /**
   * Marks `username` verified. `proof`, when given, is the number as typed from the other screen or
   * the QR payload scanned from it, and must match; without it the person compared by eye the
   * number last shown, whose key must still be the pinned one.
   */
  async verify(username: string, proof?: string): Promise<void> {
    const { number, accountKey } = await this.current(username);
    if (proof !== undefined) {
      if (!matchesSafetyNumber(number, proof)) {
        throw new CoreError("NUMBERS_DIFFER", `the numbers differ: do not trust this conversation with ${username} until you find out why`, { username });
      }
    } else {
      const shown = this.shown.get(username);
      if (!shown) throw new CoreError("COMPARE_FIRST", `compare the safety number with ${username} before verifying`, { username });
      if (!constantTimeEquals(shown, accountKey)) {
        throw new CoreError("KEY_CHANGED_SINCE_SHOWN", `${username}'s account key changed since the number was shown: compare the new safety number`, { username });
      }
    }
    await this.contacts.markVerified(username, accountKey);
  }

  private async current(username: string): Promise<{ number: SafetyNumber; accountKey: Uint8Array }> {
    const self = this.self;
    if (username === self.username) throw new CoreError("SAFETY_SELF", "a safety number is between you and someone else");
    const accountKey = await this.keys.accountKey(username);
    if (accountKey === undefined) {
      throw new CoreError("NO_ACCOUNT_KEY", `no account key of ${username} is known yet: start a conversation with ${username} first`, { username });
    }
    const number = computeSafetyNumber({ username: self.username, accountKey: self.accountPublicKey }, { username, accountKey });
    return { number, accountKey };
  }
}

export const createSafety: SafetyFactory = (ctx, contacts) => new Safety(ctx.identity, ctx.vault, contacts);
