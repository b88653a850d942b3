// The signed-in device's AddressBook (net/session.ts): its list of server addresses and trust in
// its server, read from and saved to its DeviceRecord (as account/ServerAddresses.java does for the
// CLI). What connections learn (a key pinned by a profile from before server keys, a newer verified
// announcement, the address that worked) is in memory at once and saved to the vault behind it;
// what the user must know (a refused announcement, a changed key) is told through `warn`.
import type { Vault } from "../contracts";
import type { CoreError } from "../net/errors";
import { addressList, checkServer, type AddressEntry, type ServerTrust } from "../net/addresses";
import type { ServerClaims } from "../net/announcement";
import type { AddressBook } from "../net/session";
import type { LocalDevice } from "./identity";

/** A warning for the user: ANNOUNCEMENT_REFUSED or SERVER_KEY_CHANGED, with its English message. */
export type AddressWarning = (code: "ANNOUNCEMENT_REFUSED" | "SERVER_KEY_CHANGED", message: string) => void;

export class ProfileAddresses implements AddressBook {
  /** Addresses whose last try failed, until one works again; in memory only. */
  private readonly failing = new Set<string>();

  constructor(
    private readonly identity: LocalDevice,
    private readonly vault: Vault,
    private readonly warn: AddressWarning,
  ) {}

  /** The whole list, plain-http and malformed addresses included, as Settings shows it. */
  entries(): AddressEntry[] {
    return addressList(this.identity.server, this.identity.addedAddresses, this.identity.serverTrust.announcedAddresses, this.identity.lastWorking).map(
      (entry) => ({ ...entry, failedLast: this.failing.has(entry.address) }),
    );
  }

  serverKey(): Uint8Array {
    return this.identity.serverTrust.serverKey;
  }

  /**
   * Adds a bridge link (or another address of this server) the user gave, tried after the
   * registered address; at once, so the next round of dialling has it.
   */
  async add(address: string): Promise<void> {
    if (this.identity.addedAddresses.includes(address)) return;
    await this.identity.updateAddedAddresses(this.vault, [...this.identity.addedAddresses, address]);
  }

  /** Removes an address the user added. */
  async remove(address: string): Promise<void> {
    await this.identity.updateAddedAddresses(this.vault, this.identity.addedAddresses.filter((a) => a !== address));
  }

  endpoints(): string[] {
    return this.entries()
      .filter((entry) => !entry.unusable)
      .map((entry) => entry.address);
  }

  lastWorking(): string | undefined {
    return this.entries().find((entry) => entry.lastWorking)?.address;
  }

  failed(endpoint: string): void {
    this.failing.add(endpoint);
  }

  worked(endpoint: string): void {
    this.failing.delete(endpoint);
    if (endpoint !== this.identity.lastWorking) this.save(this.identity.serverTrust, endpoint);
  }

  checkServer(claims: ServerClaims): void {
    let check;
    try {
      check = checkServer(this.identity.serverTrust, claims);
    } catch (e) {
      this.warn("SERVER_KEY_CHANGED", (e as Error).message);
      throw e;
    }
    if (check.refused) {
      this.warn(
        "ANNOUNCEMENT_REFUSED",
        `ignored an announcement of other server addresses: ${check.refused}; someone between this device and the server may have forged it`,
      );
    }
    if (check.older) console.warn("ignored an announcement of the server older than the one this profile holds (a replay, or another node's)");
    if (check.changed) this.save(check.trust, this.identity.lastWorking);
  }

  refused(error: CoreError): void {
    if (error.code === "SERVER_KEY_CHANGED") this.warn("SERVER_KEY_CHANGED", error.message);
  }

  private save(trust: ServerTrust, lastWorking: string): void {
    this.identity.updateServer(this.vault, trust, lastWorking).catch((e: Error) => console.warn("saving the server addresses failed:", e.message));
  }
}
