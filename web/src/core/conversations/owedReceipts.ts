/**
 * Delivered and read receipts this device owes, sent together after a short wait.
 */
import { Receipt_Kind } from "../../gen/parley/content/v1/content_pb";
import { toHex } from "../bytes";

/**
 * How long an owed receipt waits. Every receipt is an MLS message that both clients encrypt, store
 * and process, in the way of the next message; waiting lets several messages share one receipt
 * per conversation and kind, and a message read within the wait gets only its read receipt, which
 * says delivered too (both clients mark a read message delivered).
 */
export const RECEIPTS_WAIT_MS = 1000;
/** A read receipt names at most this many messages, the newest read. */
export const READ_RECEIPTS_AT_MOST = 100;

/** Message ids by hex, oldest first. */
type Ids = Map<string, Uint8Array>;

/** Receipts are a courtesy: the owed ones are dropped on close, and one that fails to send is not retried. */
export class OwedReceipts {
  private readonly delivered = new Map<string, Ids>();
  private readonly read = new Map<string, Ids>();
  private later: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly send: (conversationId: string, kind: Receipt_Kind, ids: Uint8Array[]) => void) {}

  /** A message was stored: its delivered receipt goes with the next send (sendSoon or sendDeliveredNow). */
  oweDelivered(conversationId: string, id: Uint8Array): void {
    idsOf(this.delivered, conversationId).set(toHex(id), id);
  }

  /** Messages were read: their read receipt goes after the wait and replaces their delivered one. */
  oweRead(conversationId: string, ids: Uint8Array[]): void {
    const delivered = this.delivered.get(conversationId);
    const read = idsOf(this.read, conversationId);
    for (const id of ids) {
      const hex = toHex(id);
      delivered?.delete(hex);
      read.delete(hex); // read again: it moves to the newest end
      read.set(hex, id);
    }
    for (const oldest of read.keys()) {
      if (read.size <= READ_RECEIPTS_AT_MOST) break;
      read.delete(oldest);
    }
    this.sendSoon();
  }

  /** Sends everything owed once the wait is over (a wait already running is not extended). */
  sendSoon(): void {
    this.later ??= setTimeout(() => this.sendAll(), RECEIPTS_WAIT_MS);
  }

  /**
   * The backlog was pushed: its delivered receipts go at once, so that senders see their messages
   * arrive; read receipts keep their wait (reading goes on, and later reads join them).
   */
  sendDeliveredNow(): void {
    this.sendOwed(Receipt_Kind.DELIVERED, this.delivered);
    if (![...this.read.values()].some((ids) => ids.size > 0)) this.stopWaiting();
  }

  close(): void {
    this.stopWaiting();
    this.delivered.clear();
    this.read.clear();
  }

  private sendAll(): void {
    this.stopWaiting();
    this.sendOwed(Receipt_Kind.DELIVERED, this.delivered);
    this.sendOwed(Receipt_Kind.READ, this.read);
  }

  private sendOwed(kind: Receipt_Kind, owed: Map<string, Ids>): void {
    for (const [conversationId, ids] of owed) {
      if (ids.size > 0) this.send(conversationId, kind, [...ids.values()]);
    }
    owed.clear();
  }

  private stopWaiting(): void {
    clearTimeout(this.later);
    this.later = undefined;
  }
}

function idsOf(owed: Map<string, Ids>, conversationId: string): Ids {
  let ids = owed.get(conversationId);
  if (!ids) owed.set(conversationId, (ids = new Map()));
  return ids;
}
