// The application messages a conversation processed last, by a SHA-256 hash of their MLS
// ciphertext (ProcessedCopies.java does the same for the Java client). A sender whose connection
// dropped before the server acknowledged a send sends the same bytes again, and the server may
// have stored both: the second copy arrives as new mail whose key is already used. A byte-identical
// copy changes nothing and shows nothing, so it is dropped in silence; a different ciphertext for a
// used key is still a replay and is reported. Commits and proposals are not kept: a copy of one is
// reported.
//   area "processed-copies:<id>": slot (0 to 255) -> the message's number in the conversation
//                                 (8 bytes) and its hash (32 bytes); message n takes slot n % 256,
//                                 so each message writes 40 bytes and the oldest is overwritten
import { toHex } from "../bytes";
import type { Vault, VaultWrite } from "../contracts";

/** Hashes kept per conversation: far more than a sender resends after one dropped connection. */
export const PROCESSED_COPIES_WINDOW = 256;
const HASH_BYTES = 32;
const areaOf = (conversationId: string) => `processed-copies:${conversationId}`;

/** One conversation's window as read: the hash in each slot and the next message's number. */
interface Window {
  slots: Map<number, string>;
  hashes: Set<string>;
  next: number;
}

/** A message to remember once the transaction that saves its group state committed. */
export interface CopyToRemember {
  readonly write: VaultWrite;
  readonly conversationId: string;
  readonly number: number;
  readonly hash: string;
}

export class ProcessedCopies {
  /** The windows read so far, as committed. */
  private readonly windows = new Map<string, Window>();

  constructor(private readonly vault: Vault) {}

  static async hash(mlsMessage: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", mlsMessage as BufferSource));
  }

  /** Whether a message of `conversationId` with this hash was processed recently. */
  async seen(conversationId: string, hash: Uint8Array): Promise<boolean> {
    return (await this.window(conversationId)).hashes.has(toHex(hash));
  }

  /**
   * The write that remembers `hash` in the slot of the oldest, for the transaction that saves the
   * group state the message moved; `committed` once that transaction is done.
   */
  async remember(conversationId: string, hash: Uint8Array): Promise<CopyToRemember> {
    const number = (await this.window(conversationId)).next;
    const value = new Uint8Array(8 + HASH_BYTES);
    new DataView(value.buffer).setBigUint64(0, BigInt(number));
    value.set(hash, 8);
    const write: VaultWrite = [areaOf(conversationId), String(number % PROCESSED_COPIES_WINDOW), value];
    return { write, conversationId, number, hash: toHex(hash) };
  }

  /** The transaction holding `copy.write` (from `remember`) is done. */
  committed(copy: CopyToRemember): void {
    const window = this.windows.get(copy.conversationId);
    if (!window || window.next !== copy.number) return; // read again from the Vault when next asked
    const slot = copy.number % PROCESSED_COPIES_WINDOW;
    const replaced = window.slots.get(slot);
    if (replaced !== undefined) window.hashes.delete(replaced);
    window.slots.set(slot, copy.hash);
    window.hashes.add(copy.hash);
    window.next = copy.number + 1;
  }

  /** Drops what was read, to be read again from the Vault: after a failed processing, whose transaction may not have committed. */
  reload(): void {
    this.windows.clear();
  }

  async forget(conversationId: string): Promise<void> {
    this.windows.delete(conversationId);
    for (const [slot] of await this.vault.entries(areaOf(conversationId))) await this.vault.delete(areaOf(conversationId), slot);
  }

  private async window(conversationId: string): Promise<Window> {
    let window = this.windows.get(conversationId);
    if (!window) {
      window = { slots: new Map(), hashes: new Set(), next: 0 };
      for (const [slot, value] of await this.vault.entries(areaOf(conversationId))) {
        if (value.length !== 8 + HASH_BYTES) continue; // not written by this code: ignored, overwritten in its turn
        const number = Number(new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0));
        const hash = toHex(value.subarray(8));
        window.slots.set(Number(slot), hash);
        window.hashes.add(hash);
        window.next = Math.max(window.next, number + 1);
      }
      this.windows.set(conversationId, window);
    }
    return window;
  }
}
