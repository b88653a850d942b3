// Conversations and their messages in the Vault. Start-up reads the conversations alone: each one's
// record carries its summary (unread count, last message), kept up to date as messages come, so
// the list needs no message. A conversation's messages are numbered in arrival order, so that its
// newest page is read by number when it is opened, and older ones page by page as the user asks
// (the Vault's keys are HMAC tags, so it has no key ranges to scan). What is read stays in memory:
// the UI's reads (ParleyApp.messages) are synchronous, and ask for more to be read.
//   area "conversations":    conversation id -> ConversationState (JSON)
//   area "groups":           conversation id -> ts-mls group state
//   area "messages:<id>":    arrival number (16 digits) -> StoredChat (JSON)
//   area "message-ids:<id>": message id -> arrival number (to find, and never store twice, a message by id)
//   area "expiring:<id>":    arrival number -> expiresAt of each message still to disappear (read at
//                            start, so the disappearing timer needs no message read; small, as it
//                            holds only messages not gone yet)
// A message disappears at its own expiresAt (set from the conversation's timer when it was stored; one
// stored while the timer was off never does), so a later message may go while an older one stays.
// Profiles of the previous layout kept messages under "<sentAt>-<message id>" and read them all at
// every start; load() renumbers such a conversation once (LAYOUT_VERSION).
import type { AttachmentInfo, ChatMessage, ConversationSummary, MessageStatus } from "../api";
import { utf8 } from "../bytes";
import type { Vault, VaultWrite } from "../contracts";

const CONVERSATIONS = "conversations";
export const GROUPS = "groups";
const messagesArea = (conversationId: string) => `messages:${conversationId}`;
const idsArea = (conversationId: string) => `message-ids:${conversationId}`;
const expiringArea = (conversationId: string) => `expiring:${conversationId}`;
/** The message layout this code writes: 2 numbers messages in arrival order (1 keyed them by time, with no index). */
export const LAYOUT_VERSION = 2;

/** What this device keeps about a conversation besides its MLS group. */
export interface ConversationState {
  id: string;
  name: string;
  direct: boolean;
  peer?: string;
  /** A message request: joined by a Welcome from an account not accepted (Requests.java). */
  request: boolean;
  inviter?: string;
  inviterAccount?: string; // hex
  /** This device left (or was removed): nothing is sent to it any more. */
  left: boolean;
  unread: number;
  lastText?: string;
  lastAt?: number;
  timerSeconds: number;
  /** The message layout (absent: layout 1, renumbered at load). */
  layout?: number;
  /** The arrival numbers of the oldest message kept and of the next one to come. */
  firstSeq?: number;
  nextSeq?: number;
  /** A member's message named this device's epoch with another fork tag: the server forked the group. */
  forked?: boolean;
}

/** A message as stored: what the UI shows, and the attachment pointer (Attachment proto, hex) to download it. */
export interface StoredChat extends ChatMessage {
  attachmentPointer?: string;
  deliveredTo: string[];
  readBy: string[];
}

/** A message read into memory, with its arrival number. */
interface Held {
  seq: number;
  message: StoredChat;
}

interface Loaded {
  state: ConversationState & { firstSeq: number; nextSeq: number };
  /** The newest messages read so far, in time order; every message from `from` on is here. */
  window: Held[];
  from: number;
  byId: Map<string, Held>;
  /** Arrival number -> expiresAt of every message kept that disappears (the "expiring" area). */
  expiring: Map<number, number>;
  /** Reads and writes of this conversation's messages, one at a time. */
  queue: Promise<unknown>;
}

const decoder = new TextDecoder();
const json = <T>(bytes: Uint8Array) => JSON.parse(decoder.decode(bytes)) as T;
const seqKey = (seq: number) => String(seq).padStart(16, "0");
const byTime = (a: Held, b: Held) => a.message.sentAt - b.message.sentAt || a.seq - b.seq;

export class ConversationStore {
  private readonly conversations = new Map<string, Loaded>();

  constructor(private readonly vault: Vault) {}

  /** Reads every conversation and what of its messages is still to disappear, no message; renumbers those of the old layout, and deletes what is due. */
  async load(now = Date.now()): Promise<void> {
    for (const [id, bytes] of await this.vault.entries(CONVERSATIONS)) {
      const state = json<ConversationState>(bytes);
      if (state.layout !== LAYOUT_VERSION) await this.renumber(state);
      const counted = state as Loaded["state"];
      const expiring = new Map<number, number>();
      for (const [key, value] of await this.vault.entries(expiringArea(id))) {
        const at = Number(decoder.decode(value));
        if (Number.isFinite(at)) expiring.set(Number(key), at); // a timer armed at NaN would fire at once, forever
      }
      this.conversations.set(id, { state: counted, window: [], from: counted.nextSeq, byId: new Map(), expiring, queue: Promise.resolve() });
    }
    await this.expire(now);
  }

  /** The earliest time a stored message disappears, if any does. */
  nextExpiry(): number | undefined {
    let next: number | undefined;
    for (const { expiring } of this.conversations.values()) {
      for (const at of expiring.values()) if (next === undefined || at < next) next = at;
    }
    return next;
  }

  /** Deletes every message whose disappearing time has passed, from memory and the Vault; returns the conversations changed. */
  async expire(now = Date.now()): Promise<string[]> {
    const changed: string[] = [];
    for (const [id, loaded] of this.conversations) {
      const due = [...loaded.expiring].filter(([, at]) => at <= now).map(([seq]) => seq);
      if (due.length === 0) continue;
      await this.exclusive(loaded, () => this.deleteDue(loaded, due));
      changed.push(id);
    }
    return changed;
  }

  ids(): string[] {
    return [...this.conversations.keys()];
  }

  get(id: string): ConversationState | undefined {
    return this.conversations.get(id)?.state;
  }

  require(id: string): ConversationState {
    const state = this.get(id);
    if (!state) throw new Error("no such conversation on this device");
    return state;
  }

  async save(state: ConversationState): Promise<void> {
    const loaded = this.conversations.get(state.id);
    const counted = { ...state, layout: LAYOUT_VERSION, firstSeq: loaded?.state.firstSeq ?? 0, nextSeq: loaded?.state.nextSeq ?? 0 };
    if (loaded) loaded.state = counted;
    else this.conversations.set(state.id, { state: counted, window: [], from: 0, byId: new Map(), expiring: new Map(), queue: Promise.resolve() });
    await this.vault.put(CONVERSATIONS, state.id, utf8(JSON.stringify(counted)));
  }

  async update(id: string, change: (state: ConversationState) => void): Promise<ConversationState> {
    const state = { ...this.require(id) };
    change(state);
    await this.save(state);
    return state;
  }

  /** Forgets a conversation's messages (a deleted request); the record stays, so its late mail is recognized. */
  async clearMessages(id: string): Promise<void> {
    const loaded = this.conversations.get(id);
    if (!loaded) return;
    await this.exclusive(loaded, async () => {
      for (let seq = loaded.state.firstSeq; seq < loaded.state.nextSeq; seq++) await this.vault.delete(messagesArea(id), seqKey(seq));
      for (const [messageId] of await this.vault.entries(idsArea(id))) await this.vault.delete(idsArea(id), messageId);
      for (const seq of loaded.expiring.keys()) await this.vault.delete(expiringArea(id), seqKey(seq));
      loaded.expiring.clear();
      loaded.window = [];
      loaded.byId.clear();
      loaded.from = loaded.state.nextSeq;
      loaded.state.firstSeq = loaded.state.nextSeq;
      await this.update(id, (state) => {
        state.unread = 0;
        delete state.lastText;
      });
    });
  }

  summaries(): ConversationSummary[] {
    return [...this.conversations.values()]
      .filter((c) => !c.state.left || c.state.nextSeq > c.state.firstSeq)
      .map(({ state }) => ({
        id: state.id,
        name: state.name,
        direct: state.direct,
        peer: state.peer,
        unread: state.unread,
        lastText: state.lastText,
        lastAt: state.lastAt,
        request: state.request,
        admin: false,
        timerSeconds: state.timerSeconds,
        forked: state.forked ?? false,
      }))
      .sort((a, b) => (b.lastAt ?? 0) - (a.lastAt ?? 0));
  }

  /** The newest `limit` messages read so far, oldest first; readNewest reads more. */
  messages(id: string, limit = Number.MAX_SAFE_INTEGER): StoredChat[] {
    const window = this.conversations.get(id)?.window ?? [];
    return window.slice(Math.max(0, window.length - limit)).map((h) => h.message);
  }

  /** Whether fewer than the newest `count` messages (or all, when fewer are kept) are in memory. */
  wants(id: string, count: number): boolean {
    const loaded = this.conversations.get(id);
    return loaded !== undefined && loaded.from > Math.max(loaded.state.firstSeq, loaded.state.nextSeq - count);
  }

  /** Whether messages older than the newest `count` are kept. */
  hasEarlier(id: string, count: number): boolean {
    const loaded = this.conversations.get(id);
    return loaded !== undefined && loaded.state.nextSeq - loaded.state.firstSeq > count;
  }

  /** Reads the newest `count` messages (all, when fewer are kept) into memory; only those not read yet are read. */
  async readNewest(id: string, count = Number.MAX_SAFE_INTEGER): Promise<void> {
    const loaded = this.conversations.get(id);
    if (!loaded) return;
    await this.exclusive(loaded, async () => {
      const to = loaded.from;
      const from = Math.max(loaded.state.firstSeq, loaded.state.nextSeq - count);
      if (from >= to) return;
      const seqs = Array.from({ length: to - from }, (_, i) => from + i);
      const read = await Promise.all(seqs.map((seq) => this.vault.get(messagesArea(id), seqKey(seq))));
      const held: Held[] = [];
      read.forEach((bytes, i) => bytes !== undefined && held.push({ seq: seqs[i], message: json<StoredChat>(bytes) }));
      for (const h of held) loaded.byId.set(h.message.id, h);
      loaded.window = [...held, ...loaded.window].sort(byTime);
      loaded.from = from;
    });
  }

  /** The last `count` incoming messages (fewer when fewer are kept), reading older pages as needed. */
  async lastIncoming(id: string, count: number): Promise<StoredChat[]> {
    for (let page = Math.max(count, 1) * 2; ; page *= 2) {
      await this.readNewest(id, page);
      const incoming = this.messages(id).filter((m) => !m.outgoing);
      if (incoming.length >= count || !this.hasEarlier(id, page)) return incoming.slice(Math.max(0, incoming.length - count));
    }
  }

  /** A message by id, read from the Vault when it is older than what is in memory. */
  async message(conversationId: string, messageId: string): Promise<StoredChat | undefined> {
    const loaded = this.conversations.get(conversationId);
    if (!loaded) return undefined;
    return (await this.exclusive(loaded, () => this.find(loaded, messageId)))?.message;
  }

  /**
   * Stores a new message once (by id); false when it is already here. Incoming ones count as unread.
   * The message, its index and expiry, the conversation's record and whatever `with` gives are
   * written in one transaction. In memory the message is there before that commits, so `shown` may
   * show it at once; when the write fails, it is taken out of memory again (the Vault stays the
   * truth) and the error thrown.
   */
  async add(message: StoredChat, options: { with?: () => VaultWrite[]; shown?: () => void } = {}): Promise<boolean> {
    const loaded = this.conversations.get(message.conversationId);
    if (!loaded) throw new Error("a message for a conversation this device does not have");
    return this.exclusive(loaded, async () => {
      if (await this.find(loaded, message.id)) return false;
      const before = loaded.state;
      const seq = before.nextSeq;
      const state = { ...before, nextSeq: seq + 1, unread: before.unread + (message.outgoing ? 0 : 1) };
      if ((state.lastAt ?? 0) <= message.sentAt) {
        state.lastAt = message.sentAt;
        state.lastText = lastText(message);
      }
      const writes: VaultWrite[] = [
        ...(options.with?.() ?? []),
        [CONVERSATIONS, state.id, utf8(JSON.stringify(state))],
        [messagesArea(message.conversationId), seqKey(seq), utf8(JSON.stringify(message))],
        [idsArea(message.conversationId), message.id, utf8(String(seq))],
      ];
      if (message.expiresAt !== undefined) writes.push([expiringArea(message.conversationId), seqKey(seq), utf8(String(message.expiresAt))]);
      const held = { seq, message };
      loaded.state = state;
      loaded.byId.set(message.id, held);
      if (message.expiresAt !== undefined) loaded.expiring.set(seq, message.expiresAt);
      // Keep time order; a late arrival is rare, so a search from the end is cheap.
      let at = loaded.window.length;
      while (at > 0 && byTime(loaded.window[at - 1], held) > 0) at--;
      loaded.window.splice(at, 0, held);
      options.shown?.();
      try {
        await this.vault.putAll(writes);
      } catch (e) {
        loaded.state = before;
        loaded.byId.delete(message.id);
        loaded.expiring.delete(seq);
        loaded.window = loaded.window.filter((h) => h !== held);
        throw e;
      }
      return true;
    });
  }

  /**
   * Rewrites a stored message in place (an edit, a deletion, a reaction, a receipt, a status). When
   * it is the message the conversation list shows, the list shows it as changed: an edit's text, and
   * nothing of a deleted one, which must not linger in the conversation's record either.
   */
  async change(conversationId: string, messageId: string, change: (message: StoredChat) => void): Promise<StoredChat | undefined> {
    const loaded = this.conversations.get(conversationId);
    if (!loaded) return undefined;
    return this.exclusive(loaded, async () => {
      const held = await this.find(loaded, messageId);
      if (!held) return undefined;
      const listed = loaded.state.lastAt === held.message.sentAt && loaded.state.lastText === lastText(held.message);
      change(held.message);
      const writes: VaultWrite[] = [[messagesArea(conversationId), seqKey(held.seq), utf8(JSON.stringify(held.message))]];
      if (listed && loaded.state.lastText !== lastText(held.message)) {
        loaded.state = { ...loaded.state, lastText: lastText(held.message) };
        writes.push([CONVERSATIONS, conversationId, utf8(JSON.stringify(loaded.state))]);
      }
      await this.vault.putAll(writes);
      return held.message;
    });
  }

  async setStatus(conversationId: string, messageId: string, status: MessageStatus): Promise<void> {
    await this.change(conversationId, messageId, (m) => {
      // Never back: a receipt may arrive before the server's answer; only a queued message fails.
      if (status === "failed" ? m.status === "queued" : rank(status) > rank(m.status)) m.status = status;
    });
  }

  /** In memory, or by the id index from the Vault (not kept in memory: it is older than the window). Runs exclusive. */
  private async find(loaded: Loaded, messageId: string): Promise<Held | undefined> {
    const held = loaded.byId.get(messageId);
    if (held) return held;
    const id = loaded.state.id;
    const number = await this.vault.get(idsArea(id), messageId);
    if (number === undefined) return undefined;
    const seq = Number(decoder.decode(number));
    const stored = await this.vault.get(messagesArea(id), seqKey(seq));
    const message = stored === undefined ? undefined : json<StoredChat>(stored);
    return message?.id === messageId ? { seq, message } : undefined;
  }

  /**
   * Deletes the messages numbered `due` (message, id index, expiry; from memory when read), moves the
   * oldest number kept past those at the start that are gone, and the summary's last message when
   * the newest went. Runs exclusive.
   */
  private async deleteDue(loaded: Loaded, due: number[]): Promise<void> {
    const id = loaded.state.id;
    const gone = new Set(due);
    let newestWent = false;
    for (const seq of due) {
      const held = loaded.window.find((h) => h.seq === seq);
      const stored = held ? undefined : await this.vault.get(messagesArea(id), seqKey(seq));
      const message = held?.message ?? (stored === undefined ? undefined : json<StoredChat>(stored));
      if (message) {
        newestWent ||= message.sentAt >= (loaded.state.lastAt ?? 0);
        loaded.byId.delete(message.id);
        await this.vault.delete(idsArea(id), message.id);
        await this.vault.delete(messagesArea(id), seqKey(seq));
      }
      await this.vault.delete(expiringArea(id), seqKey(seq));
      loaded.expiring.delete(seq);
    }
    loaded.window = loaded.window.filter((h) => !gone.has(h.seq));
    // Past numbers that went now and past gaps left before (a later message that went first).
    if (gone.has(loaded.state.firstSeq)) {
      while (loaded.state.firstSeq < loaded.state.nextSeq && (gone.has(loaded.state.firstSeq) || !(await this.kept(loaded, loaded.state.firstSeq)))) {
        loaded.state.firstSeq++;
      }
    }
    loaded.from = Math.max(loaded.from, loaded.state.firstSeq);
    const newest = newestWent ? await this.newestKept(loaded) : undefined;
    // Saved even when the newest stayed: firstSeq may have moved.
    await this.update(id, (state) => {
      if (newest) {
        state.lastAt = newest.sentAt;
        state.lastText = lastText(newest);
      } else if (newestWent) {
        delete state.lastText; // the conversation keeps its place in the list, as clearMessages leaves it
      }
    });
  }

  /** Whether a message numbered `seq` is stored. Runs exclusive. */
  private async kept(loaded: Loaded, seq: number): Promise<boolean> {
    if (seq >= loaded.from) return loaded.window.some((h) => h.seq === seq);
    return (await this.vault.get(messagesArea(loaded.state.id), seqKey(seq))) !== undefined;
  }

  /** The newest message kept: the window's (every number from `from` on is in it), else the highest number below. Runs exclusive. */
  private async newestKept(loaded: Loaded): Promise<StoredChat | undefined> {
    if (loaded.window.length > 0) return loaded.window[loaded.window.length - 1].message;
    for (let seq = loaded.from - 1; seq >= loaded.state.firstSeq; seq--) {
      const stored = await this.vault.get(messagesArea(loaded.state.id), seqKey(seq));
      if (stored !== undefined) return json<StoredChat>(stored);
    }
    return undefined;
  }

  /**
   * Renumbers a conversation of layout 1 (messages keyed by time, no index) in time order, once.
   * Safe to run again after an interruption: it reads both forms, and keeps each message once.
   */
  private async renumber(state: ConversationState): Promise<void> {
    const area = messagesArea(state.id);
    const entries = await this.vault.entries(area);
    const byId = new Map<string, StoredChat>();
    for (const [, value] of entries) {
      const message = json<StoredChat>(value);
      byId.set(message.id, message);
    }
    const messages = [...byId.values()].sort((a, b) => a.sentAt - b.sentAt);
    // An interrupted run may have numbered them otherwise: its expiries would point at other messages.
    for (const [key] of await this.vault.entries(expiringArea(state.id))) await this.vault.delete(expiringArea(state.id), key);
    const kept = new Set<string>();
    for (const [seq, message] of messages.entries()) {
      await this.vault.put(area, seqKey(seq), utf8(JSON.stringify(message)));
      await this.vault.put(idsArea(state.id), message.id, utf8(String(seq)));
      if (message.expiresAt !== undefined) await this.vault.put(expiringArea(state.id), seqKey(seq), utf8(String(message.expiresAt)));
      kept.add(seqKey(seq));
    }
    for (const [key] of entries) if (!kept.has(key)) await this.vault.delete(area, key);
    Object.assign(state, { layout: LAYOUT_VERSION, firstSeq: 0, nextSeq: messages.length });
    await this.vault.put(CONVERSATIONS, state.id, utf8(JSON.stringify(state)));
  }

  private exclusive<T>(loaded: Loaded, operation: () => Promise<T>): Promise<T> {
    const result = loaded.queue.then(operation, operation);
    loaded.queue = result.catch(() => undefined);
    return result;
  }
}

/** What the conversation list shows of a message. */
function lastText(message: StoredChat): string {
  return message.attachment ? `📎 ${message.attachment.name}` : message.text;
}

/** A sender has at most one reaction per message; an empty emoji removes it. */
export function applyReaction(message: StoredChat, user: string, emoji: string): void {
  const reactions = message.reactions
    .map((r) => ({ emoji: r.emoji, users: r.users.filter((u) => u !== user) }))
    .filter((r) => r.users.length > 0);
  if (emoji !== "") {
    const existing = reactions.find((r) => r.emoji === emoji);
    if (existing) existing.users.push(user);
    else reactions.push({ emoji, users: [user] });
  }
  message.reactions = reactions;
}

/** A deleted message keeps its place and sender, nothing of what it said. */
export function markDeleted(message: StoredChat): void {
  message.text = "";
  message.deleted = true;
  delete message.attachment;
  delete message.attachmentPointer;
}

/** What the UI shows of a file: images (by name) inline. */
export function attachmentInfo(attachment: { name: string; size: bigint }): AttachmentInfo {
  return { name: attachment.name, size: Number(attachment.size), image: /\.(png|jpe?g|gif|webp)$/i.test(attachment.name) };
}

const RANKS: MessageStatus[] = ["queued", "sent", "delivered", "read"];
const rank = (status: MessageStatus) => RANKS.indexOf(status);


