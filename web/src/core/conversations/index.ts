// core/conversations: conversations as MLS groups holding every device of every member, 1:1
// included (the Java client's Conversations), composed of parts with one concern each:
// ConversationStore (Vault), Groups (MLS states, the lock), Outbox (sending, commits), Inbox
// (Deliver, content, receipts), Membership (members, admins, requests), Consent and Contacts.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { AccessKeyShareSchema, AttachmentSchema, DisappearingTimerSchema, type CallSignal, CallSignalSchema, Receipt_Kind, ReceiptSchema } from "../../gen/parley/content/v1/content_pb";
import type { ChatMessage, ConversationSummary, Member as ApiMember, NoticeCode } from "../api";
import { constantTimeEquals, fromHex, randomBytes, toHex, utf8 } from "../bytes";
import { CoreError } from "../net/errors";
import { setAccessKey } from "../account/accounts";
import { accessKeyFromProfileKey } from "../account/identity";
import { ListDevicesSchema } from "../../gen/parley/v1/parley_pb";
import type { AttachmentService, ConversationsFactory, ConversationsService, CoreContext, EpochSecret, ServerError } from "../contracts";
import { Contacts } from "../keys/contacts";
import { KeyPackages } from "../keys/keyPackages";
import { GroupPolicy } from "../mls/policy";
import { Consent } from "./consent";
import { Disappearing } from "./disappearing";
import { stageEnd, stageStart } from "../timing";
import { Groups } from "./groups";
import { disappearsAt, Inbox, MAX_RECEIPT_IDS, MAX_TEXT_CHARS } from "./inbox";
import { Membership } from "./membership";
import { OwedReceipts, READ_RECEIPTS_AT_MOST } from "./owedReceipts";
import { type ContentBody, Outbox } from "./outbox";
import { applyReaction, attachmentInfo, ConversationStore, markDeleted, type StoredChat } from "./store";

type SignalListener = (conversationId: string, sender: string, senderDevice: Uint8Array, signal: CallSignal) => void;

/** Vault area: send id (hex) -> "conversation:message" of a shown message waiting for the carrier's outcome. */
const SENDS = "sends";
/** The longest disappearing-message timer: a year (the wire's uint32 would allow 136 years, which no one means). */
const MAX_TIMER_SECONDS = 365 * 24 * 60 * 60;
/** How long start() waits for the server to say the backlog was all pushed. */
const BACKLOG_WAIT_MS = 10_000;
/**
 * A read receipt names at most this many of the newest unread messages: the page a chat opens at
 * (ui/Chat's PAGE). Older unread ones are not on screen either (the Java chat, too, sends read
 * receipts for what it shows), and finding them would read the whole backlog from storage while
 * the chat opens: 10,000 unread messages made opening take over a second.
 */

export const createConversations: ConversationsFactory = (ctx, attachments) => new Conversations(ctx, attachments);

export class Conversations implements ConversationsService {
  private readonly store: ConversationStore;
  private readonly groups: Groups;
  private readonly contacts: Contacts;
  private readonly consent: Consent;
  private readonly keyPackages: KeyPackages;
  private readonly outbox: Outbox;
  private readonly inbox: Inbox;
  private readonly membership: Membership;
  private readonly disappearing: Disappearing;
  private readonly signalListeners = new Set<SignalListener>();
  /** Shown messages being queued and stored: the carrier may report a send before its message is stored. */
  private readonly storing = new Set<Promise<unknown>>();
  /** Reads of stored messages under way ("<conversation>:<count>"). */
  private readonly reading = new Set<string>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly receipts = new OwedReceipts((id, kind, ids) =>
    void this.sendReceipts(id, kind, ids).catch((e: Error) => this.notice("TASK_FAILED", e.message)));
  private started: Promise<void> | undefined;
  private ownDevicesSync: Promise<void> | undefined;
  private markLoaded!: () => void;
  /** Pushes wait for the stored state; they are subscribed to at once, since the server pushes right after sign-in. */
  private readonly loaded = new Promise<void>((resolve) => (this.markLoaded = resolve));
  private markBacklogRead!: () => void;
  private readonly backlogRead = new Promise<void>((resolve) => (this.markBacklogRead = resolve));

  constructor(
    private readonly ctx: CoreContext,
    private readonly attachments: AttachmentService,
  ) {
    // Read at each use: a block or another device of the account replaces the profile key in place.
    const ownAccessKey = () => (ctx.identity.accessKey?.length ? ctx.identity.accessKey : undefined);
    const identity = ctx.identity;
    this.store = new ConversationStore(ctx.vault);
    this.groups = new Groups(ctx.vault, new GroupPolicy({
      username: identity.username, accountId: identity.accountId, accountPublicKey: identity.accountPublicKey,
    }));
    this.contacts = new Contacts(ctx.vault);
    this.consent = new Consent(ctx.vault, identity.accountId);
    this.keyPackages = new KeyPackages(ctx.vault, identity);
    this.outbox = new Outbox(ctx, this.groups, this.contacts, ownAccessKey);
    const share = (id: string) => this.shareAccessKey(id);
    this.membership = new Membership(ctx, this.groups, this.store, this.keyPackages, this.contacts, this.consent, this.outbox, share,
      (id, kind, ids) => this.sendReceipts(id, kind, ids));
    this.disappearing = new Disappearing(this.store, (task) => this.groups.exclusive(task), (ids) => {
      ids.forEach((conversationId) => ctx.events.emit({ kind: "messages", conversationId }));
      ctx.events.emit({ kind: "conversations" });
    });
    this.inbox = new Inbox(ctx, this.groups, this.store, this.keyPackages, this.contacts, this.consent, this.receipts, {
      later: (task) => void task().catch((e: Error) => this.notice("TASK_FAILED", e.message)),
      commitPendingRemovals: (id) => this.membership.commitPendingRemovals(id),
      shareAccessKey: share,
      adoptOwnProfileKey: (key, generation) => this.adoptOwnProfileKey(key, generation),
      signal: (id, sender, device, signal) => this.signalListeners.forEach((l) => l(id, sender, device, signal)),
      noteExpiry: (at) => this.disappearing.noteExpiry(at),
    });
    this.unsubscribe.push(ctx.session.onPush((frame) => {
      this.loaded
        .then(() => this.inbox.handlePush(frame))
        .then(() => this.inbox.backlogRead && this.markBacklogRead(), (e: Error) => this.notice("MESSAGE_RETRY", `A message could not be processed: ${e.message}`));
    }));
  }

  private notice(code: NoticeCode, message: string): void {
    this.ctx.events.emit({ kind: "notice", code, message });
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
    this.disappearing.start();
    this.markLoaded();
    this.unsubscribe.push(this.ctx.carrier.onSent((conversationId, sendId, unknownDevices) => {
      void this.sendOutcome(sendId, "sent");
      if (unknownDevices.length > 0) this.recipientsGone(conversationId, unknownDevices);
    }));
    this.unsubscribe.push(this.ctx.carrier.onFailed((_queue, sendId, error: ServerError) => {
      void this.sendOutcome(sendId, "failed");
      this.notice("SEND_FAILED", `A message could not be sent: ${error.message}`);
    }));
    await this.keyPackages.topUp(this.ctx.session).catch((e: Error) => this.notice("KEY_PACKAGES_UNPUBLISHED", `Key packages were not published: ${e.message}`));
    await Promise.race([this.backlogRead, new Promise((resolve) => setTimeout(resolve, BACKLOG_WAIT_MS))]);
  }

  /** The carrier reports by send id, also after a reload (its queue persists): which message that was is kept in the Vault. */
  private async sendOutcome(sendId: Uint8Array, status: "sent" | "failed"): Promise<void> {
    const key = toHex(sendId);
    await Promise.allSettled([...this.storing]);
    const sent = await this.ctx.vault.get(SENDS, key);
    if (!sent) return;
    await this.ctx.vault.delete(SENDS, key);
    const [conversationId, messageId] = new TextDecoder().decode(sent).split(":");
    await this.store.setStatus(conversationId, messageId, status);
    this.ctx.events.emit({ kind: "messages", conversationId });
  }

  async publishKeyPackages(count: number): Promise<void> {
    await this.keyPackages.upload(this.ctx.session, count, true);
  }

  close(): void {
    this.unsubscribe.forEach((stop) => stop());
    this.receipts.close();
    this.disappearing.close();
  }

  // ------------------------------------------------------------------ reading

  conversations(): ConversationSummary[] {
    return this.store.summaries().map((s) => ({ ...s, admin: this.membership.isAdmin(s.id, this.ctx.identity.accountId) }));
  }

  /** What is in memory now; when fewer than `limit` are, they are read, and a "messages" event tells the UI. */
  messages(conversationId: string, limit?: number): ChatMessage[] {
    const count = limit ?? Number.MAX_SAFE_INTEGER;
    const reading = `${conversationId}:${count}`;
    if (this.store.wants(conversationId, count) && !this.reading.has(reading)) {
      this.reading.add(reading); // each render asks again while the read is under way
      void this.store
        .readNewest(conversationId, count)
        .then(
          () => this.ctx.events.emit({ kind: "messages", conversationId }),
          (e: Error) => this.notice("READ_FAILED", `The messages could not be read: ${e.message}`),
        )
        .finally(() => this.reading.delete(reading));
    }
    return this.store.messages(conversationId, limit).map(shown);
  }

  hasEarlier(conversationId: string, shown: number): boolean {
    return this.store.hasEarlier(conversationId, shown);
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

  // ------------------------------------------------------------------ sending

  /** Sends content people see and stores this device's copy as queued; the carrier's outcome follows. */
  private async sendShown(conversationId: string, body: ContentBody, copy: Partial<StoredChat>): Promise<string> {
    this.membership.requireAccepted(conversationId);
    const asked = stageStart();
    const storing = this.groups.exclusive(async () => {
      const locked = stageStart();
      const { content, sendId } = await this.outbox.send(conversationId, body);
      const messageId = toHex(content.id);
      stageEnd("send.lock", asked, { id: messageId }, locked);
      const stored = stageStart();
      const expiresAt = disappearsAt(Number(content.sentAt), this.store.require(conversationId).timerSeconds);
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
        expiresAt,
        ...copy,
      }, { with: () => (sendId ? [[SENDS, toHex(sendId), utf8(`${conversationId}:${messageId}`)]] : []) });
      this.disappearing.noteExpiry(expiresAt);
      stageEnd("send.store", stored, { id: messageId });
      return messageId;
    });
    this.storing.add(storing);
    const id = await storing.finally(() => this.storing.delete(storing));
    this.ctx.events.emit({ kind: "messages", conversationId });
    this.ctx.events.emit({ kind: "conversations" });
    return id;
  }

  /** Sends control content (an edit, a reaction, a receipt, a call signal): nothing new is shown. */
  private async sendControl(conversationId: string, body: ContentBody): Promise<void> {
    await this.groups.exclusive(() => this.outbox.send(conversationId, body));
  }

  async send(conversationId: string, text: string, replyTo?: string): Promise<string> {
    checkText(text);
    if (replyTo) {
      const quoted = await this.store.message(conversationId, replyTo);
      return this.sendShown(conversationId, { case: "reply", value: { $typeName: "parley.content.v1.Reply", quotedId: fromHex(replyTo), text } }, {
        text,
        replyTo: { id: replyTo, sender: quoted?.sender ?? "", text: quoted?.text ?? "" },
      });
    }
    return this.sendShown(conversationId, { case: "text", value: { $typeName: "parley.content.v1.Text", text } }, { text });
  }

  async edit(conversationId: string, messageId: string, text: string): Promise<void> {
    checkText(text);
    await this.requireOwn(conversationId, messageId);
    this.membership.requireAccepted(conversationId);
    await this.sendControl(conversationId, { case: "edit", value: { $typeName: "parley.content.v1.Edit", targetId: fromHex(messageId), text } });
    await this.store.change(conversationId, messageId, (m) => {
      m.text = text;
      m.edited = true;
    });
    this.ctx.events.emit({ kind: "messages", conversationId });
  }

  async remove(conversationId: string, messageId: string): Promise<void> {
    await this.requireOwn(conversationId, messageId);
    this.membership.requireAccepted(conversationId);
    await this.sendControl(conversationId, { case: "delete", value: { $typeName: "parley.content.v1.Delete", targetId: fromHex(messageId) } });
    await this.store.change(conversationId, messageId, markDeleted);
    this.ctx.events.emit({ kind: "messages", conversationId });
  }

  async react(conversationId: string, messageId: string, emoji: string): Promise<void> {
    this.membership.requireAccepted(conversationId);
    if (!(await this.store.message(conversationId, messageId))) throw new Error("no such message");
    await this.sendControl(conversationId, {
      case: "reaction", value: { $typeName: "parley.content.v1.Reaction", targetId: fromHex(messageId), emoji },
    });
    await this.store.change(conversationId, messageId, (m) => applyReaction(m, this.ctx.identity.username, emoji));
    this.ctx.events.emit({ kind: "messages", conversationId });
  }

  /**
   * Sets disappearing messages for everyone in the conversation (Conversations.setTimer in Java): a
   * DisappearingTimer content message, and this device's own setting. Messages stored from now on
   * disappear `seconds` after they were sent; 0 turns it off.
   */
  async setTimer(conversationId: string, seconds: number): Promise<void> {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_TIMER_SECONDS) {
      throw new Error(`a disappearing-message timer is 0 (off) to ${MAX_TIMER_SECONDS} seconds`);
    }
    this.membership.requireAccepted(conversationId);
    await this.sendControl(conversationId, { case: "disappearingTimer", value: create(DisappearingTimerSchema, { seconds }) });
    await this.store.update(conversationId, (s) => void (s.timerSeconds = seconds));
    this.ctx.events.emit({ kind: "conversations" });
  }

  /** The conversation was shown: its unread count goes to zero and the senders get a read receipt for the newest unread ones. */
  async markRead(conversationId: string): Promise<void> {
    const state = this.store.require(conversationId);
    if (state.unread === 0) return;
    const unread = (await this.store.lastIncoming(conversationId, Math.min(state.unread, READ_RECEIPTS_AT_MOST))).map((m) => fromHex(m.id));
    await this.store.update(conversationId, (s) => void (s.unread = 0));
    this.ctx.events.emit({ kind: "conversations" });
    if (state.request || state.left) return;
    this.receipts.oweRead(conversationId, unread);
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
      attachment: attachmentInfo(attachment),
      attachmentPointer: toHex(toBinary(AttachmentSchema, attachment)),
    });
  }

  async download(conversationId: string, messageId: string): Promise<Blob> {
    const pointer = (await this.store.message(conversationId, messageId))?.attachmentPointer;
    if (!pointer) throw new Error("that message has no file");
    return this.attachments.download(fromBinary(AttachmentSchema, fromHex(pointer)));
  }

  private async requireOwn(conversationId: string, messageId: string): Promise<void> {
    const message = await this.store.message(conversationId, messageId);
    if (!message || !message.outgoing || message.sender !== this.ctx.identity.username) throw new CoreError("NOT_OWN_MESSAGE", "only your own messages can be changed");
    if (message.deleted) throw new CoreError("MESSAGE_DELETED", "that message was deleted");
  }

  /**
   * Shares this account's profile key and the access key derived from it with a conversation
   * (Outbox.shareAccessKey), never with a message request, whose members this account has not accepted.
   */
  private async shareAccessKey(conversationId: string): Promise<void> {
    const { profileKey, accessKey, accountId } = this.ctx.identity;
    const state = this.store.get(conversationId);
    if (!profileKey?.length || !accessKey?.length || !state || state.request || state.left) return;
    await this.sendControl(conversationId, {
      case: "accessKeyShare",
      value: create(AccessKeyShareSchema, { accountId, accessKey, profileKey, generation: this.consent.profileKeyGeneration() }),
    });
  }

  /**
   * A profile key another device of this account shared (Consent.adoptOwnProfileKey): a device
   * without one adopts it, one holding a key adopts only a newer generation, so that a key a block
   * replaced never comes back from a device that has not heard of the rotation yet.
   */
  private async adoptOwnProfileKey(profileKey: Uint8Array, generation: bigint): Promise<void> {
    const { identity } = this.ctx;
    if (profileKey.length !== 32 || !identity.replaceProfileKey) return;
    if (identity.profileKey?.length && generation <= this.consent.profileKeyGeneration()) return;
    await identity.replaceProfileKey(this.ctx.vault, profileKey);
    await this.consent.setProfileKeyGeneration(generation);
  }

  /**
   * Blocks `username` (Requests.block), then gives this account a new profile key, so that an
   * access key the blocked account learned no longer lets it send sealed: the server takes the new
   * access key first, then it is shared in every accepted conversation without a blocked member.
   */
  async block(username: string): Promise<void> {
    await this.membership.block(username);
    const { identity } = this.ctx;
    if (!identity.replaceProfileKey) return;
    const profileKey = randomBytes(32);
    try {
      await setAccessKey(this.ctx.session, accessKeyFromProfileKey(profileKey));
    } catch (e) {
      throw new CoreError("BLOCK_INCOMPLETE", `${username} is blocked here, but the server refused this account's new access key (${(e as Error).message}),`
        + ` so ${username} may still send to you sealed; block them again later`, { username });
    }
    await identity.replaceProfileKey(this.ctx.vault, profileKey);
    await this.consent.setProfileKeyGeneration(this.consent.profileKeyGeneration() + 1n);
    for (const id of this.store.ids()) {
      const group = this.groups.get(id);
      if (group?.active && group.members().every((m) => !this.consent.blocked(m.credential.accountId))) {
        await this.shareAccessKey(id).catch(() => undefined);
      }
    }
  }

  /**
   * The server named recipients of a send that it no longer has. When one is a device of this
   * account, another device unlinked it (`parley unlink`, the device list) and the server says
   * nothing else: it is removed from every conversation now, not at the next start, so it cannot
   * read what is said from here on. The server's list decides nothing alone: syncOwnDevices removes
   * only devices it no longer lists, which a server could do anyway.
   */
  private recipientsGone(conversationId: string, unknownDevices: Uint8Array[]): void {
    const group = this.groups.get(conversationId);
    const own = this.ctx.identity.accountId;
    const ownDeviceGone = group?.active && group.members().some((m) =>
      constantTimeEquals(m.credential.accountId, own) && unknownDevices.some((d) => constantTimeEquals(d, m.credential.deviceId)));
    if (!ownDeviceGone || this.ownDevicesSync) return;
    this.ownDevicesSync = this.syncOwnDevices()
      .then(() => undefined, (e: Error) => this.notice("DEVICE_STILL_IN", `an unlinked device is still in some conversations (${e.message})`))
      .finally(() => (this.ownDevicesSync = undefined));
  }

  /**
   * Brings this account's devices in every conversation in line with the server's device list
   * (OwnDevices.sync): a device linked since is added where this account's key certifies it, an
   * unlinked one removed. False while a listed device has published no key package yet.
   */
  async syncOwnDevices(): Promise<boolean> {
    const answer = await this.ctx.session.request({ case: "listDevices", value: create(ListDevicesSchema) });
    if (answer.body.case !== "deviceList") throw new Error("the server did not answer with this account's devices");
    return this.membership.syncOwnDevices(answer.body.value.devices.map((d) => d.deviceId));
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
    const members = group.members().sort((a, b) => a.leafIndex - b.leafIndex);
    const memberLeaves = members.map((m) => m.leafIndex);
    const memberNames = members.map((m) => m.credential.username);
    return group.exportSecret(label, new Uint8Array(0), length).then((secret) => ({ epoch, ownLeaf, memberLeaves, memberNames, secret }));
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
  if (text.trim() === "") throw new CoreError("EMPTY_TEXT", "a message needs some text");
  if (text.length > MAX_TEXT_CHARS) {
    throw new CoreError("TEXT_TOO_LONG", `a message has at most ${MAX_TEXT_CHARS} characters; this one has ${text.length}`, { max: MAX_TEXT_CHARS });
  }
}

function shown(message: StoredChat): ChatMessage {
  const { attachmentPointer: _pointer, deliveredTo: _delivered, readBy: _read, ...chat } = message;
  return chat;
}
