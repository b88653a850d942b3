// Conversations and their messages in the Vault, indexed by conversation so that opening one
// reads only its own area, with a summary per conversation (name, unread count, last message) so
// that the list needs no message at all. Everything is held in memory once loaded: the UI's reads
// (ParleyApp.conversations, messages) are synchronous.
//   area "conversations": conversation id -> ConversationState (JSON)
//   area "groups":        conversation id -> ts-mls group state
//   area "messages:<id>": "<sentAt, 16 digits>-<message id>" -> StoredChat (JSON), in time order
import type { AttachmentInfo, ChatMessage, ConversationSummary, MessageStatus } from "../api";
import { utf8 } from "../bytes";
import type { Vault } from "../contracts";

const CONVERSATIONS = "conversations";
export const GROUPS = "groups";
const messagesArea = (conversationId: string) => `messages:${conversationId}`;

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
  /** A member's message named this device's epoch with another fork tag: the server forked the group. */
  forked?: boolean;
}

/** A message as stored: what the UI shows, and the attachment pointer (Attachment proto, hex) to download it. */
export interface StoredChat extends ChatMessage {
  attachmentPointer?: string;
  deliveredTo: string[];
  readBy: string[];
}

interface Loaded {
  state: ConversationState;
  messages: StoredChat[]; // oldest first
  byId: Map<string, StoredChat>;
}

const decoder = new TextDecoder();

export class ConversationStore {
  private readonly conversations = new Map<string, Loaded>();

  constructor(private readonly vault: Vault) {}

  /** Reads every conversation and its messages; messages whose disappearing time has passed are deleted. */
  async load(now = Date.now()): Promise<void> {
    for (const [id, bytes] of await this.vault.entries(CONVERSATIONS)) {
      const state = JSON.parse(decoder.decode(bytes)) as ConversationState;
      const messages: StoredChat[] = [];
      for (const [key, value] of await this.vault.entries(messagesArea(id))) {
        const message = JSON.parse(decoder.decode(value)) as StoredChat;
        if (expired(message, now)) await this.vault.delete(messagesArea(id), key);
        else messages.push(message);
      }
      this.conversations.set(id, { state, messages, byId: new Map(messages.map((m) => [m.id, m])) });
    }
  }

  /** The earliest time a stored message disappears, if any does. */
  nextExpiry(): number | undefined {
    let next: number | undefined;
    for (const { messages } of this.conversations.values()) {
      for (const m of messages) if (m.expiresAt !== undefined && (next === undefined || m.expiresAt < next)) next = m.expiresAt;
    }
    return next;
  }

  /** Deletes every message whose disappearing time has passed, from memory and the Vault; returns the conversations changed. */
  async expire(now = Date.now()): Promise<string[]> {
    const changed: string[] = [];
    for (const [id, loaded] of this.conversations) {
      const gone = loaded.messages.filter((m) => expired(m, now));
      if (gone.length === 0) continue;
      for (const message of gone) {
        loaded.byId.delete(message.id);
        await this.vault.delete(messagesArea(id), messageKey(message));
      }
      loaded.messages = loaded.messages.filter((m) => !expired(m, now));
      const last = loaded.messages[loaded.messages.length - 1];
      await this.update(id, (state) => {
        if (last) state.lastText = last.attachment ? `📎 ${last.attachment.name}` : last.text;
        else delete state.lastText;
      });
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
    if (loaded) loaded.state = state;
    else this.conversations.set(state.id, { state, messages: [], byId: new Map() });
    await this.vault.put(CONVERSATIONS, state.id, utf8(JSON.stringify(state)));
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
    for (const message of loaded.messages) await this.vault.delete(messagesArea(id), messageKey(message));
    loaded.messages = [];
    loaded.byId.clear();
    await this.update(id, (state) => {
      state.unread = 0;
      delete state.lastText;
    });
  }

  summaries(): ConversationSummary[] {
    return [...this.conversations.values()]
      .filter((c) => !c.state.left || c.messages.length > 0)
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

  /** The newest `limit` messages, oldest first. */
  messages(id: string, limit = Number.MAX_SAFE_INTEGER): StoredChat[] {
    const all = this.conversations.get(id)?.messages ?? [];
    return all.slice(Math.max(0, all.length - limit));
  }

  message(conversationId: string, messageId: string): StoredChat | undefined {
    return this.conversations.get(conversationId)?.byId.get(messageId);
  }

  /** Stores a new message once (by id); false when it is already here. Incoming ones count as unread. */
  async add(message: StoredChat): Promise<boolean> {
    const loaded = this.conversations.get(message.conversationId);
    if (!loaded) throw new Error("a message for a conversation this device does not have");
    if (loaded.byId.has(message.id)) return false;
    // Keep time order; a late arrival is rare, so a search from the end is cheap.
    let at = loaded.messages.length;
    while (at > 0 && loaded.messages[at - 1].sentAt > message.sentAt) at--;
    loaded.messages.splice(at, 0, message);
    loaded.byId.set(message.id, message);
    await this.vault.put(messagesArea(message.conversationId), messageKey(message), utf8(JSON.stringify(message)));
    await this.update(message.conversationId, (state) => {
      if (!message.outgoing) state.unread++;
      if ((state.lastAt ?? 0) <= message.sentAt) {
        state.lastAt = message.sentAt;
        state.lastText = message.attachment ? `📎 ${message.attachment.name}` : message.text;
      }
    });
    return true;
  }

  /** Rewrites a stored message in place (an edit, a reaction, a receipt, a status). */
  async change(conversationId: string, messageId: string, change: (message: StoredChat) => void): Promise<StoredChat | undefined> {
    const message = this.message(conversationId, messageId);
    if (!message) return undefined;
    change(message);
    await this.vault.put(messagesArea(conversationId), messageKey(message), utf8(JSON.stringify(message)));
    return message;
  }

  async setStatus(conversationId: string, messageId: string, status: MessageStatus): Promise<void> {
    await this.change(conversationId, messageId, (m) => {
      // Never back: a receipt may arrive before the server's answer; only a queued message fails.
      if (status === "failed" ? m.status === "queued" : rank(status) > rank(m.status)) m.status = status;
    });
  }
}

/** Whether a message's disappearing time (set from its conversation's timer when it was stored) has passed. */
function expired(message: StoredChat, now: number): boolean {
  return message.expiresAt !== undefined && message.expiresAt <= now;
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

function messageKey(message: { sentAt: number; id: string }): string {
  return `${String(Math.max(0, message.sentAt)).padStart(16, "0")}-${message.id}`;
}

