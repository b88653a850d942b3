// core/conversations: conversations as MLS groups holding every device of every member, 1:1
// included (the Java client's Conversations), composed of parts with one concern each:
// ConversationStore (Vault), Groups (MLS states, the lock), Outbox (sending, commits), Inbox
// (Deliver, content, receipts), Membership (members, admins, requests), Consent and Contacts.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { AttachmentSchema, type CallSignal, CallSignalSchema, Receipt_Kind, ReceiptSchema } from "../../gen/parley/content/v1/content_pb";
import type { ChatMessage, ConversationSummary, Member as ApiMember } from "../api";
import { fromHex, toHex } from "../bytes";
import type { AttachmentService, ConversationsFactory, ConversationsService, CoreContext, EpochSecret, ServerError } from "../contracts";
import { Contacts } from "../keys/contacts";
import { KeyPackages } from "../keys/keyPackages";
import { GroupPolicy } from "../mls/policy";
import { Consent } from "./consent";
import { Groups } from "./groups";
import { Inbox, MAX_RECEIPT_IDS, MAX_TEXT_CHARS } from "./inbox";
import { Membership } from "./membership";
import { type ContentBody, Outbox } from "./outbox";
import { ConversationStore, type StoredChat } from "./store";

type SignalListener = (conversationId: string, sender: string, senderDevice: Uint8Array, signal: CallSignal) => void;

/** How long start() waits for the server to say the backlog was all pushed. */
const BACKLOG_WAIT_MS = 10_000;

export const createConversations: ConversationsFactory = (ctx, attachments) => new Conversations(ctx, attachments, () => undefined);

export class Conversations implements ConversationsService {
  private readonly store: ConversationStore;
  private readonly groups: Groups;
  private readonly contacts: Contacts;
  private readonly consent: Consent;
  private readonly keyPackages: KeyPackages;
  private readonly outbox: Outbox;
  private readonly inbox: Inbox;
  private readonly membership: Membership;
  private readonly signalListeners = new Set<SignalListener>();
  /** The carrier reports by send id; the message it carried, per id. */
  private readonly sends = new Map<string, { conversationId: string; messageId: string }>();
  private readonly unsubscribe: (() => void)[] = [];
  private started: Promise<void> | undefined;
  private markLoaded!: () => void;
  /** Pushes wait for the stored state; they are subscribed to at once, since the server pushes right after sign-in. */
  private readonly loaded = new Promise<void>((resolve) => (this.markLoaded = resolve));
  private markBacklogRead!: () => void;
  private readonly backlogRead = new Promise<void>((resolve) => (this.markBacklogRead = resolve));

  constructor(
    private readonly ctx: CoreContext,
    private readonly attachments: AttachmentService,
    ownAccessKey: () => Uint8Array | undefined,
  ) {
    const identity = ctx.identity;
    this.store = new ConversationStore(ctx.vault);
    this.groups = new Groups(ctx.vault, new GroupPolicy({
      username: identity.username, accountId: identity.accountId, accountPublicKey: identity.accountPublicKey,
    }));
    this.contacts = new Contacts(ctx.vault);
    this.consent = new Consent(ctx.vault, identity.accountId);
    this.keyPackages = new KeyPackages(ctx.vault, identity);
    this.outbox = new Outbox(ctx, this.groups, this.contacts, ownAccessKey);
    const share = (id: string) => this.shareAccessKey(id, ownAccessKey);
    this.membership = new Membership(ctx, this.groups, this.store, this.keyPackages, this.contacts, this.consent, this.outbox, share);
    this.inbox = new Inbox(ctx, this.groups, this.store, this.keyPackages, this.contacts, this.consent, {
      later: (task) => void task().catch((e: Error) => this.notice(e.message)),
      commitPendingRemovals: (id) => this.membership.commitPendingRemovals(id),
      shareAccessKey: share,
      sendReceipts: (id, kind, ids) => this.sendReceipts(id, kind, ids),
      signal: (id, sender, device, signal) => this.signalListeners.forEach((l) => l(id, sender, device, signal)),
    });
    this.unsubscribe.push(ctx.session.onPush((frame) => {
      this.loaded
        .then(() => this.inbox.handlePush(frame))
        .then(() => this.inbox.backlogRead && this.markBacklogRead(), (e: Error) => this.notice(`A message could not be processed: ${e.message}`));
    }));
  }

  private notice(message: string): void {
    this.ctx.events.emit({ kind: "notice", message });
  }

  // ------------------------------------------------------------------ life cycle

  start(): Promise<void> {
    this.started ??= this.begin();
    return this.started;
  }

  private async begin(): Promise<void> {
    await this.store.load();
    await this.groups.load();
    await this.consent.load();
    this.markLoaded();
    this.unsubscribe.push(this.ctx.carrier.onSent((_queue, sendId) => void this.sendOutcome(sendId, "sent")));
    this.unsubscribe.push(this.ctx.carrier.onFailed((_queue, sendId, error: ServerError) => {
      void this.sendOutcome(sendId, "failed");
      this.notice(`A message could not be sent: ${error.message}`);
    }));
    await this.keyPackages.topUp(this.ctx.session).catch((e: Error) => this.notice(`Key packages were not published: ${e.message}`));
    await Promise.race([this.backlogRead, new Promise((resolve) => setTimeout(resolve, BACKLOG_WAIT_MS))]);
  }

  private async sendOutcome(sendId: Uint8Array, status: "sent" | "failed"): Promise<void> {
    const sent = this.sends.get(toHex(sendId));
    if (!sent) return;
    this.sends.delete(toHex(sendId));
    await this.store.setStatus(sent.conversationId, sent.messageId, status);
    this.ctx.events.emit({ kind: "messages", conversationId: sent.conversationId });
  }

  async publishKeyPackages(count: number): Promise<void> {
    await this.keyPackages.upload(this.ctx.session, count, true);
  }

  close(): void {
    this.unsubscribe.forEach((stop) => stop());
  }

  // ------------------------------------------------------------------ reading

  conversations(): ConversationSummary[] {
    return this.store.summaries().map((s) => ({ ...s, admin: this.membership.isAdmin(s.id, this.ctx.identity.accountId) }));
  }

  messages(conversationId: string, limit?: number): ChatMessage[] {
    return this.store.messages(conversationId, limit).map(shown);
  }

  members(conversationId: string): ApiMember[] {
    const group = this.groups.get(conversationId);
    if (!group?.active) return [];
    const settings = group.settings();
    const seen = new Map<string, ApiMember>();
    for (const { credential } of group.members()) {
      seen.set(credential.username, {
        username: credential.username,
        admin: !settings.direct && settings.isAdmin(credential.accountId),
        self: credential.username === this.ctx.identity.username,
      });
    }
    return [...seen.values()];
  }

  // ------------------------------------------------------------------ membership

  openDirect(username: string): Promise<string> {
    return this.membership.direct(username.trim());
  }

  createGroup(name: string, usernames: string[]): Promise<string> {
    return this.membership.createGroup(name.trim(), usernames.map((u) => u.trim()).filter((u) => u !== ""));
  }

  addMember(conversationId: string, username: string): Promise<void> {
    return this.membership.addMember(conversationId, username.trim());
  }

  removeMember(conversationId: string, username: string): Promise<void> {
    return this.membership.removeMember(conversationId, username);
  }

  setAdmin(conversationId: string, username: string, admin: boolean): Promise<void> {
    return this.membership.setAdmin(conversationId, username, admin);
  }

  leave(conversationId: string): Promise<void> {
    return this.membership.leave(conversationId);
  }

  accept(conversationId: string): Promise<void> {
    return this.membership.accept(conversationId);
  }

  deleteRequest(conversationId: string): Promise<void> {
    return this.membership.deleteRequest(conversationId);
  }

  block(username: string): Promise<void> {
    return this.membership.block(username);
  }

  // ------------------------------------------------------------------ sending

  /** Sends content people see and stores this device's copy as queued; the carrier's outcome follows. */
  private async sendShown(conversationId: string, body: ContentBody, copy: Partial<StoredChat>): Promise<string> {
    this.membership.requireAccepted(conversationId);
    const id = await this.groups.exclusive(async () => {
      const { content, sendId } = await this.outbox.send(conversationId, body);
      const messageId = toHex(content.id);
      await this.store.add({
        id: messageId,
        conversationId,
        sender: this.ctx.identity.username,
        outgoing: true,
        sentAt: Number(content.sentAt),
        text: "",
        edited: false,
        deleted: false,
        reactions: [],
        status: sendId ? "queued" : "sent",
        deliveredTo: [],
        readBy: [],
        ...copy,
      });
      if (sendId) this.sends.set(toHex(sendId), { conversationId, messageId });
      return messageId;
    });
    this.ctx.events.emit({ kind: "messages", conversationId });
    this.ctx.events.emit({ kind: "conversations" });
    return id;
  }

  /** Sends control content (an edit, a reaction, a receipt, a call signal): nothing new is shown. */
  private async sendControl(conversationId: string, body: ContentBody): Promise<void> {
    await this.groups.exclusive(() => this.outbox.send(conversationId, body));
  }

  send(conversationId: string, text: string, replyTo?: string): Promise<string> {
    checkText(text);
    if (replyTo) {
      const quoted = this.store.message(conversationId, replyTo);
      return this.sendShown(conversationId, { case: "reply", value: { $typeName: "parley.content.v1.Reply", quotedId: fromHex(replyTo), text } }, {
        text,
        replyTo: { id: replyTo, sender: quoted?.sender ?? "", text: quoted?.text ?? "" },
      });
    }
    return this.sendShown(conversationId, { case: "text", value: { $typeName: "parley.content.v1.Text", text } }, { text });
  }

  async edit(conversationId: string, messageId: string, text: string): Promise<void> {
    checkText(text);
    this.requireOwn(conversationId, messageId);
    this.membership.requireAccepted(conversationId);
    await this.sendControl(conversationId, { case: "edit", value: { $typeName: "parley.content.v1.Edit", targetId: fromHex(messageId), text } });
    await this.store.change(conversationId, messageId, (m) => {
      m.text = text;
      m.edited = true;
    });
    this.ctx.events.emit({ kind: "messages", conversationId });
  }

  async remove(conversationId: string, messageId: string): Promise<void> {
    this.requireOwn(conversationId, messageId);
    this.membership.requireAccepted(conversationId);
    await this.sendControl(conversationId, { case: "delete", value: { $typeName: "parley.content.v1.Delete", targetId: fromHex(messageId) } });
    await this.store.change(conversationId, messageId, (m) => {
      m.text = "";
      m.deleted = true;
      delete m.attachment;
      delete m.attachmentPointer;
    });
    this.ctx.events.emit({ kind: "messages", conversationId });
  }

  async react(conversationId: string, messageId: string, emoji: string): Promise<void> {
    this.membership.requireAccepted(conversationId);
    if (!this.store.message(conversationId, messageId)) throw new Error("no such message");
    await this.sendControl(conversationId, {
      case: "reaction", value: { $typeName: "parley.content.v1.Reaction", targetId: fromHex(messageId), emoji },
    });
    const me = this.ctx.identity.username;
    await this.store.change(conversationId, messageId, (m) => {
      const reactions = m.reactions.map((r) => ({ emoji: r.emoji, users: r.users.filter((u) => u !== me) })).filter((r) => r.users.length > 0);
      if (emoji !== "") {
        const existing = reactions.find((r) => r.emoji === emoji);
        if (existing) existing.users.push(me);
        else reactions.push({ emoji, users: [me] });
      }
      m.reactions = reactions;
    });
    this.ctx.events.emit({ kind: "messages", conversationId });
  }

  /** The conversation was shown: its unread count goes to zero and the senders get a read receipt. */
  async markRead(conversationId: string): Promise<void> {
    const state = this.store.require(conversationId);
    if (state.unread === 0) return;
    const unread = this.store.messages(conversationId, state.unread).filter((m) => !m.outgoing).map((m) => fromHex(m.id));
    await this.store.update(conversationId, (s) => void (s.unread = 0));
    this.ctx.events.emit({ kind: "conversations" });
    if (!state.request && !state.left) await this.sendReceipts(conversationId, Receipt_Kind.READ, unread);
  }

  /** Receipts are a courtesy: none go to a message request, and one that cannot be sent now is not retried. */
  private async sendReceipts(conversationId: string, kind: Receipt_Kind, ids: Uint8Array[]): Promise<void> {
    const state = this.store.get(conversationId);
    if (!state || state.request || state.left || ids.length === 0) return;
    for (let from = 0; from < ids.length; from += MAX_RECEIPT_IDS) {
      const receipt = create(ReceiptSchema, { kind, messageIds: ids.slice(from, from + MAX_RECEIPT_IDS) });
      await this.sendControl(conversationId, { case: "receipt", value: receipt }).catch(() => undefined);
    }
  }

  async sendFile(conversationId: string, file: File | Blob, name: string, caption?: string): Promise<string> {
    this.membership.requireAccepted(conversationId);
    const attachment = await this.attachments.upload(file, name, caption);
    return this.sendShown(conversationId, { case: "attachment", value: attachment }, {
      text: caption ?? "",
      attachment: { name: attachment.name, size: Number(attachment.size), image: /\.(png|jpe?g|gif|webp)$/i.test(attachment.name) },
      attachmentPointer: toHex(toBinary(AttachmentSchema, attachment)),
    });
  }

  async download(conversationId: string, messageId: string): Promise<Blob> {
    const pointer = this.store.message(conversationId, messageId)?.attachmentPointer;
    if (!pointer) throw new Error("that message has no file");
    return this.attachments.download(fromBinary(AttachmentSchema, fromHex(pointer)));
  }

  private requireOwn(conversationId: string, messageId: string): void {
    const message = this.store.message(conversationId, messageId);
    if (!message || !message.outgoing || message.sender !== this.ctx.identity.username) throw new Error("only your own messages can be changed");
    if (message.deleted) throw new Error("that message was deleted");
  }

  /** Shares this account's access key with a conversation (never with a message request). */
  private async shareAccessKey(conversationId: string, ownAccessKey: () => Uint8Array | undefined): Promise<void> {
    const accessKey = ownAccessKey();
    const state = this.store.get(conversationId);
    if (!accessKey || !state || state.request || state.left) return;
    await this.sendControl(conversationId, {
      case: "accessKeyShare",
      value: { $typeName: "parley.content.v1.AccessKeyShare", accountId: this.ctx.identity.accountId, accessKey, profileKey: new Uint8Array(), generation: 0n },
    });
  }

  // ------------------------------------------------------------------ calls (CallChannel)

  exportSecret(conversationId: string, label: string, context: Uint8Array, length: number): Promise<Uint8Array> {
    return this.groups.active(conversationId).exportSecret(label, context, length);
  }

  epoch(conversationId: string): bigint {
    return this.groups.active(conversationId).epoch;
  }

  exportEpochSecret(conversationId: string, label: string, length: number): Promise<EpochSecret> {
    const group = this.groups.active(conversationId);
    // Read before anything awaits (exportSecret takes its exporter secret synchronously too): all of one epoch.
    const epoch = group.epoch;
    const ownLeaf = group.ownLeafIndex;
    const memberLeaves = group.members().map((m) => m.leafIndex).sort((a, b) => a - b);
    return group.exportSecret(label, new Uint8Array(0), length).then((secret) => ({ epoch, ownLeaf, memberLeaves, secret }));
  }

  async sendSignal(conversationId: string, signal: CallSignal): Promise<void> {
    this.membership.requireAccepted(conversationId);
    await this.sendControl(conversationId, { case: "callSignal", value: create(CallSignalSchema, signal) });
  }

  onSignal(listener: SignalListener): () => void {
    this.signalListeners.add(listener);
    return () => this.signalListeners.delete(listener);
  }

  memberUsernames(conversationId: string): string[] {
    return this.membership.usernames(conversationId);
  }

  // ------------------------------------------------------------------ safety (ContactKeys)

  accountKey(username: string): Promise<Uint8Array | undefined> {
    return this.contacts.accountKey(username);
  }
}

function checkText(text: string): void {
  if (text.trim() === "") throw new Error("a message needs some text");
  if (text.length > MAX_TEXT_CHARS) throw new Error(`a message has at most ${MAX_TEXT_CHARS} characters; this one has ${text.length}`);
}

function shown(message: StoredChat): ChatMessage {
  const { attachmentPointer: _pointer, deliveredTo: _delivered, readBy: _read, ...chat } = message;
  return chat;
}
