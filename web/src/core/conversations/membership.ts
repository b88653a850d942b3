// Who is in a conversation (the Java client's Membership, Requests and OwnDevices): creating
// 1:1s and groups with every device of their members, adding and removing members, admins,
// leaving, and message requests (accept, delete, block). A joiner's key packages are claimed from
// the server and only devices its account key certifies are added; a change that the group rules
// would refuse is refused here first, with a message that says whom to ask.
import type { Proposal } from "ts-mls";
import { Receipt_Kind } from "../../gen/parley/content/v1/content_pb";
import { constantTimeEquals, fromHex, randomBytes, toHex } from "../bytes";
import type { CoreContext } from "../contracts";
import type { Contacts } from "../keys/contacts";
import { type Claimed, claim, claimOwn, KeyPackages } from "../keys/keyPackages";
import { keyPackageRef, MlsGroup } from "../mls/group";
import { ConversationSettings, MAX_NAME_CHARS } from "../mls/settings";
import type { Consent } from "./consent";
import type { Groups } from "./groups";
import { conversationName } from "./names";
import type { Outbox } from "./outbox";
import type { ConversationStore } from "./store";
import { CoreError } from "../net/errors";

export class Membership {
  constructor(
    private readonly ctx: CoreContext,
    private readonly groups: Groups,
    private readonly store: ConversationStore,
    private readonly keyPackages: KeyPackages,
    private readonly contacts: Contacts,
    private readonly consent: Consent,
    private readonly outbox: Outbox,
    private readonly shareAccessKey: (conversationId: string) => Promise<void>,
    private readonly sendReceipts: (conversationId: string, kind: Receipt_Kind, ids: Uint8Array[]) => Promise<void>,
  ) {}

  private get identity() {
    return this.ctx.identity;
  }

  /** The 1:1 with `username`, created (with all devices of both accounts) when missing; starting it accepts them. */
  async direct(username: string): Promise<string> {
    if (username === this.identity.username) throw new CoreError("SELF_DIRECT", "that is you; to talk to your other devices, create a group");
    // A name the server confirmed needs no claim (which would use up one of their key packages).
    const known = await this.contacts.get(username);
    let id = known?.nameConfirmed ? this.directWith(known.accountId) : undefined;
    if (!id) {
      const joiners = await this.claim(username);
      id = this.directWith(joiners[0].member.accountId) ?? (await this.create(username, true, joiners));
    }
    await this.acceptStarted(id, [username]);
    return id;
  }

  /** The active 1:1 with `account`, if this device has one. */
  private directWith(account: Uint8Array): string | undefined {
    return this.store.ids().find((id) => {
      const group = this.groups.get(id);
      const other = group?.active && !this.store.get(id)!.left ? group.settings().otherDirectAccount(this.identity.accountId) : undefined;
      return other !== undefined && constantTimeEquals(other, account);
    });
  }

  async createGroup(name: string, usernames: string[]): Promise<string> {
    if (name.trim() === "" || name.length > MAX_NAME_CHARS) throw new CoreError("GROUP_NAME", `a group name has 1 to ${MAX_NAME_CHARS} characters`, { max: MAX_NAME_CHARS });
    const others: Claimed[] = [];
    for (const username of new Set(usernames)) {
      if (username !== this.identity.username) others.push(...(await this.claim(username)));
    }
    const id = await this.create(name, false, others);
    await this.acceptStarted(id, usernames);
    return id;
  }

  /** A new conversation with this account's other devices and the claimed `others`. */
  private async create(name: string, direct: boolean, others: Claimed[]): Promise<string> {
    const ownDevices = (await claimOwn(this.ctx.session, this.identity)).devices.filter(
      (c) => !constantTimeEquals(c.member.deviceId, this.identity.deviceId),
    );
    const joiners = [...ownDevices, ...others];
    const self = this.identity.accountId;
    // For a 1:1 the other person's devices were claimed last (a claim never returns none).
    const settings = direct
      ? ConversationSettings.directBetween(self, joiners[joiners.length - 1].member.accountId)
      : ConversationSettings.group(name, self);
    const founding = await this.keyPackages.create(false);
    const group = await MlsGroup.create(randomBytes(16), founding.publicPackage, founding.privatePackage,
      settings.initialExtensions(), this.groups.policy);
    // The creator's own leaf came from it; no Welcome will ever name it.
    await this.keyPackages.consumed(await keyPackageRef(founding.publicPackage));
    const id = toHex(group.groupId);
    await this.store.save({
      id, name, direct, peer: direct ? name : undefined, request: false, left: false, unread: 0, lastAt: Date.now(), timerSeconds: 0,
    });
    await this.groups.exclusive(() => this.groups.save(group));
    if (joiners.length > 0) await this.outbox.commit(id, () => adds(joiners), joiners);
    await this.shareAccessKey(id);
    this.ctx.events.emit({ kind: "conversations" });
    return id;
  }

  async addMember(id: string, username: string): Promise<void> {
    this.requireAccepted(id);
    this.requireAdmin(id, "add members");
    if (this.usernames(id).includes(username)) {
      throw new CoreError("ALREADY_MEMBER", `${username} is already in '${this.store.require(id).name}'`, { username, conversation: this.store.require(id).name });
    }
    const joiners = await this.claim(username);
    await this.outbox.commit(id, () => adds(joiners), joiners);
    await this.acceptStarted(id, [username]);
    await this.shareAccessKey(id);
    this.ctx.events.emit({ kind: "conversations" });
  }

  async removeMember(id: string, username: string): Promise<void> {
    this.requireAccepted(id);
    if (username === this.identity.username) throw new CoreError("REMOVE_SELF", "to leave a group yourself, leave it");
    this.requireAdmin(id, "remove members");
    if (!this.usernames(id).includes(username)) throw this.notMember(id, username);
    await this.outbox.commit(id, (group) => group.members().filter((m) => m.credential.username === username)
      .map((m): Proposal => ({ proposalType: "remove", remove: { removed: m.leafIndex } })));
    this.ctx.events.emit({ kind: "conversations" });
  }

  /** Makes `username` an admin of the group, or no longer one (admins only; one admin always stays). */
  async setAdmin(id: string, username: string, admin: boolean): Promise<void> {
    this.requireAccepted(id);
    this.requireAdmin(id, admin ? "promote members" : "demote admins");
    const member = this.groups.active(id).members().find((m) => m.credential.username === username);
    if (!member) throw this.notMember(id, username);
    const account = member.credential.accountId;
    await this.outbox.commit(id, (group) => {
      const settings = ConversationSettings.from(group.extensions);
      const changed = admin ? settings.withAdmin(account) : settings.withoutAdmin(account);
      return [{ proposalType: "group_context_extensions", groupContextExtensions: { extensions: changed.replaceIn(group.extensions) } }];
    });
    this.ctx.events.emit({ kind: "conversations" });
  }

  /**
   * Leaves: a Remove proposal for this device's leaf (a member cannot commit its own removal,
   * RFC 9420 section 12.2), which the other members commit; this device forgets the group.
   */
  async leave(id: string): Promise<void> {
    await this.groups.exclusive(async () => {
      const group = this.groups.active(id);
      const proposal = await group.proposeRemove(group.ownLeafIndex);
      await this.groups.save(group);
      await this.outbox.fanOut(id, group, proposal);
      await this.store.update(id, (s) => void (s.left = true));
      await this.groups.forget(id);
    });
    this.ctx.events.emit({ kind: "conversations" });
  }

  /** Commits the Remove proposals other members sent (their leaving). */
  async commitPendingRemovals(id: string): Promise<void> {
    const group = this.groups.get(id);
    if (!group?.active) return;
    await this.outbox.commit(id, () => []);
    this.ctx.events.emit({ kind: "conversations" });
  }

  /**
   * OwnDevices.sync: this account's devices that the server lists but a conversation lacks are
   * added when this account's key certifies them (a listed device without a certificate is never
   * added, and reported); devices no longer listed are removed. Message requests are skipped:
   * nothing is committed there until accepted. False when a listed device had no key package yet.
   */
  async syncOwnDevices(listed: Uint8Array[]): Promise<boolean> {
    let complete = true;
    const reported = new Set<string>();
    const own = this.identity.accountId;
    const isListed = (device: Uint8Array) => listed.some((d) => constantTimeEquals(d, device));
    for (const id of this.store.ids()) {
      const state = this.store.get(id)!;
      const group = this.groups.get(id);
      if (state.request || state.left || !group?.active) continue;
      const ours = group.members().filter((m) => constantTimeEquals(m.credential.accountId, own));
      const missing = listed.filter((d) => !ours.some((m) => constantTimeEquals(m.credential.deviceId, d)));
      if (missing.length > 0) {
        // One claim per conversation: a one-time key package serves one Welcome only.
        const claimed = await claimOwn(this.ctx.session, this.identity);
        const joiners = claimed.devices.filter((c) => missing.some((d) => constantTimeEquals(d, c.member.deviceId)));
        for (const refused of claimed.refused) {
          if (missing.some((d) => constantTimeEquals(d, refused)) && !reported.has(toHex(refused))) {
            reported.add(toHex(refused));
            this.ctx.events.emit({ kind: "notice", code: "UNCERTIFIED_DEVICE", params: { device: toHex(refused) }, message: `The server lists a device of your account (${toHex(refused)}) that none of your devices approved; it was not added. Check your devices and remove it.` });
          }
        }
        if (joiners.length > 0) {
          await this.outbox.commit(id, () => adds(joiners), joiners);
          await this.shareAccessKey(id);
        }
        complete &&= missing.every((d) => claimed.refused.some((r) => constantTimeEquals(r, d))
          || joiners.some((j) => constantTimeEquals(j.member.deviceId, d)));
      }
      if (ours.some((m) => !isListed(m.credential.deviceId))) {
        await this.outbox.commit(id, (g) => g.members()
          .filter((m) => constantTimeEquals(m.credential.accountId, own) && !isListed(m.credential.deviceId))
          .map((m): Proposal => ({ proposalType: "remove", remove: { removed: m.leafIndex } })));
      }
    }
    this.ctx.events.emit({ kind: "conversations" });
    return complete;
  }

  // ------------------------------------------------------------------ message requests

  requireAccepted(id: string): void {
    const state = this.store.require(id);
    if (state.request) {
      throw new CoreError("IS_REQUEST", `'${state.name}' is a message request${state.inviter ? ` from ${state.inviter}` : ""}; accept it or delete it first`,
        { conversation: state.name });
    }
  }

  /** Accepts a request: its inviter is accepted, and every request of that inviter becomes ordinary. */
  async accept(id: string): Promise<void> {
    const state = this.store.require(id);
    if (!state.request) throw new Error(`'${state.name}' is accepted already; nothing to do`);
    if (state.inviterAccount && state.inviter) await this.consent.accept(fromHex(state.inviterAccount), state.inviter);
    for (const other of this.store.ids()) {
      const candidate = this.store.get(other)!;
      if (candidate.request && (other === id || (candidate.inviterAccount && this.consent.accepted(fromHex(candidate.inviterAccount))))) {
        await this.makeOrdinary(other);
      }
    }
    this.ctx.events.emit({ kind: "conversations" });
  }

  /** The account started the conversation with, or added, `usernames`: they are accepted. */
  private async acceptStarted(id: string, usernames: string[]): Promise<void> {
    for (const member of this.groups.active(id).members()) {
      if (usernames.includes(member.credential.username)) await this.consent.accept(member.credential.accountId, member.credential.username);
    }
    if (this.store.require(id).request) await this.makeOrdinary(id);
  }

  /** Sends what a request held back: the access key, and the delivered receipts for its messages. */
  private async makeOrdinary(id: string): Promise<void> {
    await this.store.update(id, (s) => void (s.request = false));
    await this.shareAccessKey(id).catch(() => undefined);
    await this.store.readNewest(id); // a request's messages: few, and each gets its receipt
    const incoming = this.store.messages(id).filter((m) => !m.outgoing).map((m) => fromHex(m.id));
    await this.sendReceipts(id, Receipt_Kind.DELIVERED, incoming);
  }

  async deleteRequest(id: string): Promise<void> {
    const state = this.store.require(id);
    if (!state.request) throw new Error(`'${state.name}' is not a message request; to leave a group, leave it`);
    await this.leave(id).catch(() => undefined);
    await this.store.update(id, (s) => {
      s.left = true;
      s.request = false;
    });
    await this.store.clearMessages(id);
    this.ctx.events.emit({ kind: "conversations" });
  }

  /** Blocks `username`: its messages are dropped from now on, its requests deleted, the 1:1s with it left. */
  async block(username: string): Promise<void> {
    const known = await this.contacts.get(username);
    let account = known?.accountId;
    if (!account || account.length === 0) account = (await this.claim(username))[0].member.accountId;
    await this.consent.setBlocked(account, username, true);
    for (const id of this.store.ids()) {
      const state = this.store.get(id)!;
      if (state.left) continue;
      const group = this.groups.get(id);
      const fromThem = state.inviterAccount === toHex(account);
      const directWithThem = state.direct && group?.active && toHex(group.settings().otherDirectAccount(this.identity.accountId) ?? new Uint8Array()) === toHex(account);
      if (state.request && fromThem) await this.deleteRequest(id);
      else if (directWithThem) await this.leave(id);
    }
    this.ctx.events.emit({ kind: "conversations" });
  }

  // ------------------------------------------------------------------ helpers

  usernames(id: string): string[] {
    return [...new Set(this.groups.active(id).members().map((m) => m.credential.username))];
  }

  isAdmin(id: string, accountId: Uint8Array): boolean {
    const group = this.groups.get(id);
    if (!group?.active) return false;
    const settings = group.settings();
    return !settings.direct && settings.isAdmin(accountId);
  }

  private notMember(id: string, username: string): CoreError {
    const conversation = this.store.require(id).name;
    return new CoreError("NOT_MEMBER", `${username} is not in '${conversation}'`, { username, conversation });
  }

  private requireAdmin(id: string, what: string): void {
    const group = this.groups.active(id);
    const settings = group.settings();
    if (settings.direct || !settings.isAdmin(this.identity.accountId)) {
      const admins = group.members().filter((m) => settings.isAdmin(m.credential.accountId)).map((m) => m.credential.username);
      const unique = [...new Set(admins)];
      const conversation = conversationName(group, this.identity.accountId);
      throw new CoreError("NOT_ADMIN", `only an admin of '${conversation}' can ${what}; `
        + (unique.length === 0 ? "no admin of it is left in it" : `ask ${unique.join(" or ")}`), { conversation, admins: unique.join(", ") || "-" });
    }
  }

  /** One key package of every device of `username` that its account key certifies; the key is pinned on the way. */
  private async claim(username: string): Promise<Claimed[]> {
    let result;
    try {
      result = await claim(this.ctx.session, username, this.contacts);
    } catch (e) {
      if ((e as { code?: string }).code === "NOT_FOUND") {
        throw new CoreError("NO_SUCH_USER", `there is no user '${username}' on this server; check the spelling`, { username });
      }
      throw e;
    }
    if (result.devices.length === 0) {
      throw result.refused.length === 0
        ? new CoreError("NO_DEVICE_YET", `${username} has no device that can be added yet; ask them to open Parley once`, { username })
        : new CoreError("NO_CERTIFIED_DEVICE", `none of the devices the server lists for ${username} is signed by ${username}'s account key, so none was added; compare safety numbers`, { username });
    }
    if (result.observation === "CHANGED") this.ctx.events.emit({ kind: "notice", code: "KEYS_CHANGED", params: { username }, message: `${username}'s keys changed; compare safety numbers.` });
    return result.devices;
  }
}

function adds(joiners: Claimed[]): Proposal[] {
  return joiners.map((j) => ({ proposalType: "add", add: { keyPackage: j.keyPackage } }));
}

