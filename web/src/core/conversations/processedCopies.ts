// The application messages a conversation processed last, by a SHA-256 hash of their MLS
// ciphertext (ProcessedCopies.java does the same for the Java client). A sender whose connection
// dropped before the server acknowledged a send sends the same bytes again, and the server may
// have stored both: the second copy arrives as new mail whose key is already used. A byte-identical
// copy changes nothing and shows nothing, so it is dropped in silence; a different ciphertext for a
// used key is still a replay and is reported. Commits and proposals are not kept: a copy of one is
// reported.
//   area "processed-copies": conversation id -> the newest hashes, 32 bytes each, oldest first
import type { Vault, VaultWrite } from "../contracts";

const AREA = "processed-copies";
/** Hashes kept per conversation: far more than a sender resends after one dropped connection. */
export const PROCESSED_COPIES_WINDOW = 256;
const HASH_BYTES = 32;

export class ProcessedCopies {
  /** The stored windows read so far, as committed. */
  private readonly windows = new Map<string, Uint8Array>();

  constructor(private readonly vault: Vault) {}

  static async hash(mlsMessage: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", mlsMessage as BufferSource));
  }

  /** Whether a message of `conversationId` with this hash was processed recently. */
  async seen(conversationId: string, hash: Uint8Array): Promise<boolean> {
    const window = await this.window(conversationId);
    for (let at = 0; at + HASH_BYTES <= window.length; at += HASH_BYTES) {
      if (window.subarray(at, at + HASH_BYTES).every((byte, i) => byte === hash[i])) return true;
    }
    return false;
  }

  /**
   * The write that remembers `hash` and forgets the oldest beyond the window, for the transaction
   * that saves the group state the message moved; `committed` once that transaction is done.
   */
  async remember(conversationId: string, hash: Uint8Array): Promise<VaultWrite> {
    const window = await this.window(conversationId);
    const keep = Math.min(window.length, (PROCESSED_COPIES_WINDOW - 1) * HASH_BYTES);
    const updated = new Uint8Array(keep + HASH_BYTES);
    updated.set(window.subarray(window.length - keep));
    updated.set(hash, keep);
    return [AREA, conversationId, updated];
  }

  /** The transaction holding `write` (from `remember`) is done. */
  committed([, conversationId, updated]: VaultWrite): void {
    this.windows.set(conversationId, updated);
  }

  /** Drops what was read, to be read again from the Vault: after a failed processing, whose transaction may not have committed. */
  reload(): void {
    this.windows.clear();
  }

  async forget(conversationId: string): Promise<void> {
    this.windows.delete(conversationId);
    await this.vault.delete(AREA, conversationId);
  }

  private async window(conversationId: string): Promise<Uint8Array> {
    let window = this.windows.get(conversationId);
    if (!window) {
      window = (await this.vault.get(AREA, conversationId)) ?? new Uint8Array();
      this.windows.set(conversationId, window);
    }
    return window;
  }
}
