// Safety numbers and verification (ParleyApp.safetyNumber and verify), from the two account keys
// this device holds: its own, and the one pinned (contacts.ts) from what the conversations saw in
// the contact's MLS credentials. The QR code carries the number and both account keys.
import type { SafetyNumberInfo } from "../api";
import type { ContactKeys, CoreContext, SafetyFactory, SafetyService } from "../contracts";
import { Contacts } from "./contacts";
import { computeSafetyNumber, formatSafetyNumber, matchesSafetyNumber, type SafetyNumber } from "./safetyNumber";

export class Safety implements SafetyService {
  private readonly pins: Contacts;

  constructor(
    private readonly ctx: CoreContext,
    private readonly keys: ContactKeys,
  ) {
    this.pins = new Contacts(ctx.vault);
  }

  async safetyNumber(username: string): Promise<SafetyNumberInfo> {
    const { number } = await this.current(username);
    const record = (await this.pins.get(username))!;
    return {
      username,
      number: formatSafetyNumber(number.digits),
      qr: number.qr,
      verified: record.verified,
      changed: record.changed,
    };
  }

  /**
   * Marks `username` verified. `proof`, when given, is the number as typed from the other screen or
   * the QR payload scanned from it, and must match; without it the person compared by eye.
   */
  async verify(username: string, proof?: string): Promise<void> {
    const { number, accountKey, observation } = await this.current(username);
    if (observation === "CHANGED") {
      throw new Error(`${username}'s account key changed since the number was shown: compare the new safety number`);
    }
    if (proof !== undefined && !matchesSafetyNumber(number, proof)) {
      throw new Error(`the numbers differ: do not trust this conversation with ${username} until you find out why`);
    }
    await this.pins.markVerified(username, accountKey);
  }

  /** Pins or compares the key the conversations hold for `username` and computes the number from the pin. */
  private async current(username: string) {
    const self = this.ctx.identity;
    if (username === self.username) {
      throw new Error("a safety number is between you and someone else");
    }
    const accountKey = await this.keys.accountKey(username);
    if (accountKey === undefined) {
      throw new Error(`no account key of ${username} is known yet: start a conversation with ${username} first`);
    }
    const observation = await this.pins.observe(username, accountKey);
    if (observation === "CHANGED") {
      this.ctx.events.emit({
        kind: "notice",
        message: `${username}'s account key CHANGED (someone may be in between): compare the safety number with ${username} before trusting this conversation`,
      });
    }
    const number: SafetyNumber = computeSafetyNumber(
      { username: self.username, accountKey: self.accountPublicKey },
      { username, accountKey },
    );
    return { number, accountKey, observation };
  }
}

export const createSafety: SafetyFactory = (ctx, contacts) => new Safety(ctx, contacts);
