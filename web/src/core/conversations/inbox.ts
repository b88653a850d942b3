// Incoming mail (the Java client's Inbox, ContentHandler, Receipts and UnreadableMessages):
// Deliver -> open the MailboxSeal -> unwrap the PayloadWrap -> process the MLS message or join by
// the Welcome -> persist -> Ack; then what the content says. Anything that does not open, unwrap,
// decode, decrypt or pass the group policy is dropped, acknowledged (it never gets better) and
// reported as a notice; it never stops the inbox.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { AttachmentSchema, type CallSignal, type Content, ContentSchema, Receipt_Kind } from "../../gen/parley/content/v1/content_pb";
import { AckSchema, type Deliver, type ServerFrame } from "../../gen/parley/v1/parley_pb";
import type { NoticeCode } from "../api";
import { constantTimeEquals, toHex } from "../bytes";
import type { CoreContext, VaultWrite } from "../contracts";
import type { Contacts } from "../keys/contacts";
import type { KeyPackages } from "../keys/keyPackages";
import type { MemberCredential } from "../mls/credential";
import { MlsPolicyError, UndecryptableMessage } from "../mls/errors";
import { decodeMessage, groupIdOf, MlsGroup, type Processed } from "../mls/group";
import type { Member } from "../mls/policy";
import { type StageKey, stageEnd, stageStart, timed } from "../timing";
import { openMailboxCopy } from "../wire/mailboxSeal";
import { unwrap, UnwrapError } from "../wire/payloadWrap";
import type { Consent } from "./consent";
import type { Groups } from "./groups";
import { conversationName } from "./names";
import type { OwedReceipts } from "./owedReceipts";
import { ProcessedCopies } from "./processedCopies";
import { FORK_TAG_BYTES, forkTag } from "./outbox";
import { applyReaction, attachmentInfo, type ConversationStore, markDeleted, type StoredChat } from "./store";

/** Texts longer than this are dropped on arrival and refused on sending: no screen shows them. */
export const MAX_TEXT_CHARS = 64 * 1024;
/** Ids per receipt message: keeps a receipt far under the server's payload limit (Receipts.MAX_IDS). */
export const MAX_RECEIPT_IDS = 500;

export interface InboxHooks {
  /** Runs once the lock is free: a commit of pending removals, an access key share, receipts. */
  later(task: () => Promise<void>): void;
  commitPendingRemovals(conversationId: string): Promise<void>;
  shareAccessKey(conversationId: string): Promise<void>;
  /** Another device of this account shared the account's profile key. */
  adoptOwnProfileKey(profileKey: Uint8Array, generation: bigint): Promise<void>;
  signal(conversationId: string, sender: string, senderDevice: Uint8Array, signal: CallSignal): void;
  /** A message that disappears at `expiresAt` was stored. */
  noteExpiry(expiresAt: number | undefined): void;
}

export class Inbox {
  private drained = false;
  private readonly processedCopies: ProcessedCopies;

  constructor(
    private readonly ctx: CoreContext,
    private readonly groups: Groups,
    private readonly store: ConversationStore,
    private readonly keyPackages: KeyPackages,
    private readonly contacts: Contacts,
    private readonly consent: Consent,
    /** Delivered receipts are owed as messages are stored, and sent once the backlog is read. */
    private readonly receipts: OwedReceipts,
    private readonly hooks: InboxHooks,
  ) {
    this.processedCopies = new ProcessedCopies(ctx.vault);
  }

  /** Whether the server said the backlog of this connection was all pushed. */
  get backlogRead(): boolean {
    return this.drained;
  }

  async handlePush(frame: ServerFrame): Promise<void> {
    if (frame.body.case === "deliver") {
      const deliver = frame.body.value;
      const arrived = stageStart();
      await this.groups.exclusive(() => {
        stageEnd("receive.wait", arrived, { envelope: String(deliver.envelopeId) });
        return this.deliver(deliver);
      });
      if (this.drained) this.receipts.sendSoon();
    } else if (frame.body.case === "mailboxDrained") {
      // After the deliveries pushed before it.
      await this.groups.exclusive(async () => void (this.drained = true));
      this.receipts.sendDeliveredNow();
    }
  }

  private notice(code: NoticeCode, message: string, params?: Record<string, string | number>): void {
    this.ctx.events.emit({ kind: "notice", code, message, params });
  }

  private acknowledge(deliver: Deliver): void {
    // Not awaited: a lost acknowledgement only means the server delivers the copy again, and the
    // stored state (used keys, message ids) drops it then.
    this.ctx.session.request({ case: "ack", value: create(AckSchema, { envelopeIds: [deliver.envelopeId] }) }).catch(() => undefined);
  }

  /** One copy from the mailbox, under the groups' lock. */
  async deliver(deliver: Deliver): Promise<void> {
    const key: StageKey = { envelope: String(deliver.envelopeId) };
    let sent: Uint8Array;
    try {
      sent = await timed("receive.open", key, () => openMailboxCopy(this.ctx.identity.mailboxPrivateKey, deliver.payload));
    } catch {
      this.notice("UNSEALED_DROPPED", "A message that was not sealed to this device arrived and was dropped.");
      this.acknowledge(deliver);
      return;
    }
    try {
      const unwrapped = await timed("receive.unwrap", key, async () => unwrap(sent, await this.groups.wrapKeysOf(this.store.ids())));
      if (unwrapped.kind === "welcome") await this.join(unwrapped.welcome);
      else await this.receive(toHex(unwrapped.groupId), unwrapped.mlsMessage, key);
    } catch (e) {
      if (!(e instanceof MlsPolicyError || e instanceof UnwrapError)) {
        // Nothing of it was kept: the copy stays unacknowledged and comes again on the next connection.
        for (const id of this.groups.ids()) await this.groups.reload(id);
        this.processedCopies.reload();
        this.notice("MESSAGE_RETRY", `A message could not be processed now; it will be tried again (${(e as Error).message}).`);
        return;
      }
      this.notice("MESSAGE_DROPPED", `A message was dropped: ${e.message}`);
    }
    this.acknowledge(deliver);
  }

  private async receive(conversationId: string, bytes: Uint8Array, key: StageKey): Promise<void> {
    const message = decodeMessage(bytes);
    const named = groupIdOf(message);
    // Only the group whose key opened the wrapping may receive what it held.
    if (!named || toHex(named) !== conversationId) {
      throw new MlsPolicyError("a message wrapped for a conversation that is not an MLS message of it");
    }
    const group = this.groups.get(conversationId);
    const state = this.store.get(conversationId);
    // A conversation this device left still hears from its members until they commit the removal.
    if (state?.left) return;
    if (!group || !group.active || !state) throw new MlsPolicyError("a message for a conversation this device is not in");
    const nameBefore = state.name;
    const hash = await ProcessedCopies.hash(bytes);
    // Sent again after a lost acknowledgement, and stored twice by the server: nothing new.
    if (await this.processedCopies.seen(conversationId, hash)) return;
    let processed: Processed;
    try {
      processed = await timed("receive.decrypt", key, () => group.process(message));
    } catch (e) {
      await this.groups.reload(conversationId);
      if (e instanceof UndecryptableMessage && isForkedFrom(group, e)) await this.forked(conversationId);
      throw e;
    }
    if (processed.kind === "application") {
      // A message to show is written with the group state that read it, in one transaction: a tab
      // that dies before it commits kept neither, and the unacknowledged copy comes again. Anything
      // else the content does comes before the group is saved, and is safe to do twice.
      // So is the message's hash, so that a copy sent again is known (ProcessedCopies).
      const copy = await this.processedCopies.remember(conversationId, hash);
      let groupWritten = false;
      const withGroup = () => {
        groupWritten = true;
        return [this.groups.stateWrite(group), copy.write];
      };
      try {
        await this.content(conversationId, processed.data, processed.sender, key, withGroup);
      } finally {
        if (!groupWritten) await timed("receive.saveGroup", key, () => this.groups.save(group, [copy.write]));
        this.processedCopies.committed(copy);
      }
      return;
    }
    await timed("receive.saveGroup", key, () => this.groups.save(group));
    switch (processed.kind) {
      case "proposal":
        // Members propose only their own removal (leaving); it is committed by whoever can.
        if (!state.request) this.hooks.later(() => this.hooks.commitPendingRemovals(conversationId));
        break;
      case "commit":
        await this.pin(processed.certified, conversationId);
        if (processed.removedSelf) {
          await this.store.update(conversationId, (s) => void (s.left = true));
          await this.groups.forget(conversationId);
          await this.processedCopies.forget(conversationId);
          this.notice("REMOVED_FROM", `You were removed from ${state.name}.`, { conversation: state.name });
        } else {
          if (processed.added.length > 0 && !state.request) this.hooks.later(() => this.hooks.shareAccessKey(conversationId));
          if (processed.settingsChanged) {
            const name = conversationName(group, this.ctx.identity.accountId);
            if (name !== nameBefore) await this.store.update(conversationId, (s) => void (s.name = name));
          }
          if (!state.request) this.announce(state.name, processed.added, processed.removed);
        }
        this.ctx.events.emit({ kind: "conversations" });
        break;
    }
  }

  /**
   * A member at this device's epoch number whose fork tag differs: the server gave members
   * different commits (ARCHITECTURE, hostile server). Marked on the conversation, shown in the
   * chat, and told once as a notice.
   */
  private async forked(conversationId: string): Promise<void> {
    const state = this.store.require(conversationId);
    if (state.forked) return;
    await this.store.update(conversationId, (s) => void (s.forked = true));
    this.ctx.events.emit({
      kind: "notice",
      message: `The server gave members of ${state.name} different versions of it: some of their messages cannot be read here. Start a new conversation.`,
      code: "FORKED",
      params: { conversation: state.name },
    });
    this.ctx.events.emit({ kind: "conversations" });
  }

  private announce(name: string, added: Member[], removed: Member[]): void {
    const names = (members: Member[]) => [...new Set(members.map((m) => m.credential.username))].join(", ");
    if (added.length > 0) this.notice("JOINED", `${names(added)} joined ${name}.`, { names: names(added), conversation: name });
    if (removed.length > 0) this.notice("LEFT", `${names(removed)} left ${name}.`, { names: names(removed), conversation: name });
  }

  /** Pins (or compares) the account keys the policy certified; a change is a warning. */
  private async pin(certified: MemberCredential[], conversationId: string): Promise<void> {
    for (const credential of certified) {
      const observation = await this.contacts.observe(credential.username, credential.accountId, credential.accountKey);
      const conversation = this.store.get(conversationId)?.name ?? "";
      const params = { username: credential.username, conversation };
      if (observation === "CHANGED") {
        this.notice("KEYS_CHANGED", `${credential.username}'s keys changed (in ${conversation}); compare safety numbers.`, params);
      } else if (observation === "IMPERSONATED") {
        this.notice("IMPERSONATED", `A member of ${conversation} calls itself ${credential.username} but is another account.`, params);
      }
    }
  }

  /** Joins a group by a Welcome naming one of this device's key packages (RFC 9420 section 12.4.3.1). */
  private async join(bytes: Uint8Array): Promise<void> {
    const message = decodeMessage(bytes);
    if (message.wireformat !== "mls_welcome") throw new MlsPolicyError("a message wrapped as a Welcome that is not one");
    for (const secret of message.welcome.secrets) {
      const own = await this.keyPackages.bundle(secret.newMember);
      if (!own) continue;
      let joined;
      try {
        joined = await MlsGroup.join(message.welcome, own.publicPackage, own.privatePackage, this.groups.policy);
      } catch (e) {
        throw new MlsPolicyError(`an invitation was refused: ${(e as Error).message}`);
      }
      await this.keyPackages.consumed(secret.newMember);
      const { group, certified, inviter } = joined;
      const id = toHex(group.groupId);
      const existing = this.store.get(id);
      if (existing && !existing.left) return;
      const from = inviter?.credential;
      if (from && this.consent.blocked(from.accountId)) return; // a blocked account's Welcome is ignored
      const settings = group.settings();
      const request = !from || !this.consent.accepted(from.accountId);
      const name = conversationName(group, this.ctx.identity.accountId);
      await this.store.save({
        id,
        name,
        direct: settings.direct,
        peer: settings.direct ? name : undefined,
        request,
        inviter: from?.username,
        inviterAccount: from ? toHex(from.accountId) : undefined,
        left: false,
        unread: existing?.unread ?? 0,
        lastAt: Date.now(),
        timerSeconds: 0,
      });
      await this.groups.save(group);
      await this.pin(certified, id);
      if (!request) this.hooks.later(() => this.hooks.shareAccessKey(id));
      this.ctx.events.emit({ kind: "conversations" });
      return;
    }
    throw new MlsPolicyError("a Welcome that names none of this device's key packages");
  }

  /** What an application message says (ContentHandler.receive). */
  private async content(conversationId: string, data: Uint8Array, from: Member, key: StageKey, withGroup: () => VaultWrite[]): Promise<void> {
    let content: Content;
    try {
      content = fromBinary(ContentSchema, data);
    } catch {
      throw new MlsPolicyError("a message whose content does not decode");
    }
    const sender = from.credential;
    if (!constantTimeEquals(sender.deviceId, content.senderDevice) || content.id.length !== 16) {
      throw new MlsPolicyError("a message whose content does not match its MLS sender");
    }
    if (this.consent.blocked(sender.accountId)) return;
    const ownAccount = constantTimeEquals(sender.accountId, this.ctx.identity.accountId);
    const state = this.store.require(conversationId);
    if (!ownAccount) await this.pin([sender], conversationId);
    const base = {
      id: toHex(content.id),
      conversationId,
      sender: sender.username,
      outgoing: ownAccount,
      sentAt: Number(content.sentAt),
      edited: false,
      deleted: false,
      reactions: [],
      status: "sent" as const,
      deliveredTo: [],
      readBy: [],
      expiresAt: disappearsAt(Number(content.sentAt), state.timerSeconds),
    };
    const body = content.body;
    let shown: StoredChat | undefined;
    switch (body.case) {
      case "text":
        shown = { ...base, text: checkedText(body.value.text) };
        break;
      case "reply": {
        const quoted = await this.store.message(conversationId, toHex(body.value.quotedId));
        shown = {
          ...base,
          text: checkedText(body.value.text),
          replyTo: { id: toHex(body.value.quotedId), sender: quoted?.sender ?? "", text: quoted?.text ?? "" },
        };
        break;
      }
      case "attachment": {
        const a = body.value;
        shown = {
          ...base,
          text: checkedText(a.caption),
          attachment: attachmentInfo(a),
          attachmentPointer: toHex(toBinary(AttachmentSchema, a)),
        };
        break;
      }
      case "edit":
        await this.changeOwn(conversationId, body.value.targetId, sender.username, (m) => {
          m.text = checkedText(body.value.text);
          m.edited = true;
        });
        break;
      case "delete":
        await this.changeOwn(conversationId, body.value.targetId, sender.username, markDeleted);
        break;
      case "reaction":
        await this.store.change(conversationId, toHex(body.value.targetId), (m) => applyReaction(m, sender.username, body.value.emoji));
        this.ctx.events.emit({ kind: "messages", conversationId });
        break;
      case "receipt":
        if (!ownAccount) await this.applyReceipt(conversationId, sender.username, body.value.kind, body.value.messageIds);
        break;
      case "disappearingTimer": {
        const seconds = body.value.seconds;
        await this.store.update(conversationId, (s) => void (s.timerSeconds = seconds));
        const where = state.direct ? "" : ` in ${state.name}`;
        if (!state.request) {
          this.ctx.events.emit({
            kind: "notice",
            message: `${sender.username} set disappearing messages${where} to ${timerText(seconds)}.`,
            code: "TIMER",
            params: { name: sender.username, seconds },
          });
        }
        this.ctx.events.emit({ kind: "conversations" });
        break;
      }
      case "accessKeyShare":
        // A member shares only its own account's key; this account's own comes with its profile key.
        if (!constantTimeEquals(body.value.accountId, sender.accountId)) throw new MlsPolicyError(`${sender.username} shared an access key of another account`);
        if (ownAccount) await this.hooks.adoptOwnProfileKey(body.value.profileKey, body.value.generation);
        else await this.contacts.rememberAccessKey(sender.username, sender.accountId, body.value.accessKey);
        break;
      case "callSignal": {
        const signal = body.value;
        if (!state.request) this.hooks.signal(conversationId, sender.username, sender.deviceId, signal);
        break;
      }
      default:
        // conversation_info is ignored since issue 12; an unknown body is from a newer client.
        break;
    }
    if (!shown) return;
    const show = () => {
      this.ctx.events.emit({ kind: "messages", conversationId });
      this.ctx.events.emit({ kind: "conversations" });
    };
    let added: boolean;
    try {
      // Shown while it is written: the acknowledgement still waits for the write.
      added = await timed("receive.store", { ...key, id: shown.id }, () => this.store.add(shown, { with: withGroup, shown: show }));
    } catch (e) {
      show(); // taken out again
      throw e;
    }
    if (!added) return;
    this.hooks.noteExpiry(shown.expiresAt);
    if (!ownAccount && !state.request) this.receipts.oweDelivered(conversationId, content.id);
  }

  /** Edits and deletions: only of a message its own sender sent. */
  private async changeOwn(conversationId: string, target: Uint8Array, sender: string, change: (m: StoredChat) => void): Promise<void> {
    const message = await this.store.message(conversationId, toHex(target));
    if (!message || message.sender !== sender || message.deleted) return;
    await this.store.change(conversationId, message.id, change);
    this.ctx.events.emit({ kind: "messages", conversationId });
  }

  /**
   * A member's receipt marks this account's own messages of this conversation (ids of other
   * conversations or senders are ignored, so nobody marks what it was never sent).
   */
  private async applyReceipt(conversationId: string, member: string, kind: Receipt_Kind, ids: Uint8Array[]): Promise<void> {
    if (kind !== Receipt_Kind.DELIVERED && kind !== Receipt_Kind.READ) return;
    const read = kind === Receipt_Kind.READ;
    let marked = 0;
    for (const id of ids.slice(0, MAX_RECEIPT_IDS)) {
      const message = await this.store.message(conversationId, toHex(id));
      if (!message?.outgoing) continue;
      await this.store.change(conversationId, message.id, (m) => {
        if (!m.deliveredTo.includes(member)) m.deliveredTo.push(member);
        if (read && !m.readBy.includes(member)) m.readBy.push(member);
        m.status = m.readBy.length > 0 ? "read" : "delivered";
      });
      marked++;
    }
    if (marked > 0) this.ctx.events.emit({ kind: "messages", conversationId });
  }
}

function checkedText(text: string): string {
  if (text.length > MAX_TEXT_CHARS) throw new MlsPolicyError(`a text of ${text.length} characters (at most ${MAX_TEXT_CHARS} are shown)`);
  return text;
}

/** When a message sent at `sentAt` disappears under a timer of `seconds` (ConversationStore.expiry); undefined when off. */
export function disappearsAt(sentAt: number, seconds: number): number | undefined {
  return seconds > 0 ? sentAt + seconds * 1000 : undefined;
}

/** A timer as the CLI prints it in English (notices are English; the UI labels its own choices). */
export function timerText(seconds: number): string {
  if (seconds === 0) return "off";
  for (const [unit, length] of [["week", 604_800], ["day", 86_400], ["hour", 3_600], ["minute", 60]] as const) {
    if (seconds % length === 0) return `${seconds / length} ${unit}${seconds === length ? "" : "s"}`;
  }
  return `${seconds} seconds`;
}

/** Whether an undecryptable message names this member's epoch with another fork tag (ForkTag.differs). */
function isForkedFrom(group: MlsGroup, failure: UndecryptableMessage): boolean {
  const tag = failure.authenticatedData;
  return failure.ofCurrentEpoch && tag.length === FORK_TAG_BYTES && !constantTimeEquals(tag, forkTag(group));
}
