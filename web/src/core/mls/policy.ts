// The checks RFC 9420 leaves to the application (sections 5.3.1 and 12.4.2), as the Java client's
// DeviceCertificates and GroupRules make them, applied by every member on joining and on every
// commit (its own included):
// - a leaf is a device of an account only when the account key in its credential certifies the
//   leaf's signature key; every leaf of one account carries the same account key and username, no
//   two accounts share a username, and this account's own leaves carry exactly its account key;
// - a 1:1 holds devices of its two accounts only; its settings never change;
// - in a group only admins add members, remove others and change the settings; any member adds
//   and removes its own account's devices and leaves; a removal takes its authority from whoever
//   proposed it; a device never changes account or username; nobody joins from outside.
// Refusals throw MlsPolicyError with a message for people.
import type { AuthenticationService, Extension, Proposal, RatchetTree } from "ts-mls";
import { toHex } from "../bytes";
import { certifies, type MemberCredential, memberCredential } from "./credential";
import { MlsPolicyError } from "./errors";
import { ConversationSettings } from "./settings";

/** A leaf of the ratchet tree with its Parley credential. */
export interface Member {
  readonly leafIndex: number;
  readonly credential: MemberCredential;
  readonly signatureKey: Uint8Array;
}

/** Whose policy: this device's account, username and account key. */
export interface OwnAccount {
  readonly username: string;
  readonly accountId: Uint8Array;
  readonly accountPublicKey: Uint8Array;
}

/** ts-mls's per-leaf credential check: a Parley credential whose account key certifies the leaf's key. */
export const certificateAuthenticationService: AuthenticationService = {
  async validateCredential(credential, signaturePublicKey) {
    try {
      return certifies(memberCredential(credential), signaturePublicKey);
    } catch {
      return false;
    }
  },
};

/** Every non-blank leaf of a ratchet tree (leaves sit at even node indexes, RFC 9420 appendix C). */
export function membersOf(tree: RatchetTree): Member[] {
  const members: Member[] = [];
  for (let node = 0; node < tree.length; node += 2) {
    const entry = tree[node];
    if (entry?.nodeType === "leaf") {
      members.push({
        leafIndex: node / 2,
        credential: memberCredential(entry.leaf.credential),
        signatureKey: entry.leaf.signaturePublicKey,
      });
    }
  }
  return members;
}

/** What a commit did, as the policy sees it (Java's CommitView). */
export interface CommitView {
  committer: Member | undefined;
  proposals: { proposal: Proposal; senderLeafIndex: number | undefined }[];
  membersBefore: Member[];
  membersAfter: Member[];
  extensionsBefore: readonly Extension[];
  extensionsAfter: readonly Extension[];
}

export class GroupPolicy {
  constructor(private readonly own: OwnAccount) {}

  /**
   * On joining: every member is certified and consistent, the settings are well-formed and a 1:1
   * is this account's with nobody else in it. `signer` is whoever sent the Welcome, if known.
   * Returns the certified credentials of other accounts, for the caller to pin.
   */
  checkGroup(members: Member[], extensions: readonly Extension[], signer?: Member): MemberCredential[] {
    const certified = this.checkCertificates(members, members);
    const inviter = signer ? `${signer.credential.username}'s` : "A";
    let settings: ConversationSettings;
    try {
      settings = ConversationSettings.from(extensions);
    } catch (e) {
      throw new MlsPolicyError(`${inviter} group was refused: ${(e as Error).message}`);
    }
    if (settings.direct) {
      const between = `${accountName(settings.directAccounts[0], members)} and ${accountName(settings.directAccounts[1], members)}`;
      if (!settings.isDirectAccount(this.own.accountId)) {
        throw new MlsPolicyError(`${inviter} group claims to be a 1:1 between ${between}, which is not yours; it was refused`);
      }
      const intruder = outsider(settings, members);
      if (intruder) {
        throw new MlsPolicyError(`${inviter} group claims to be a 1:1 between ${between}, but ${intruder} is in it too; it was refused`);
      }
    }
    return certified;
  }

  /** On every commit; returns the certified credentials of entering members, for the caller to pin. */
  checkCommit(commit: CommitView): MemberCredential[] {
    const { committer } = commit;
    if (!committer) {
      throw new MlsPolicyError("a device tried to join a conversation from outside; in Parley only its members add devices");
    }
    const byLeafAfter = new Map(commit.membersAfter.map((m) => [m.leafIndex, m]));
    const byLeafBefore = new Map(commit.membersBefore.map((m) => [m.leafIndex, m]));
    const added: Member[] = [];
    const updated: Member[] = [committer.leafIndex].flatMap((leaf) => byLeafAfter.get(leaf) ?? []);
    const removals: { member: Member; proposer: Member | undefined }[] = [];
    let changesExtensions = false;
    for (const { proposal, senderLeafIndex } of commit.proposals) {
      const proposer = byLeafBefore.get(senderLeafIndex ?? committer.leafIndex);
      switch (proposal.proposalType) {
        case "add": {
          const key = toHex(proposal.add.keyPackage.leafNode.signaturePublicKey);
          const joined = commit.membersAfter.find((m) => toHex(m.signatureKey) === key);
          if (!joined) throw new MlsPolicyError("an added device is missing from the group after the change");
          added.push(joined);
          break;
        }
        case "remove": {
          const member = byLeafBefore.get(proposal.remove.removed);
          if (!member) throw new MlsPolicyError("a removal of an empty place in the group");
          removals.push({ member, proposer });
          break;
        }
        case "update":
          if (senderLeafIndex !== undefined && byLeafAfter.has(senderLeafIndex)) updated.push(byLeafAfter.get(senderLeafIndex)!);
          break;
        case "group_context_extensions":
          changesExtensions = true;
          break;
        default:
          throw new MlsPolicyError(`a ${proposal.proposalType} proposal, which Parley never makes, was refused`);
      }
    }
    const certified = this.checkCertificates([...added, ...updated], commit.membersAfter);
    const who = committer.credential.username;
    const before = ConversationSettings.from(commit.extensionsBefore);
    const after = ConversationSettings.from(commit.extensionsAfter);
    const where = before.direct ? "your 1:1" : `'${before.name}'`;
    const admin = !before.direct && before.isAdmin(committer.credential.accountId);
    if (changesExtensions) {
      if (before.direct) throw new MlsPolicyError(`${who} tried to change the settings of ${where}; a 1:1's settings never change`);
      if (!admin) throw new MlsPolicyError(`${who} tried to change the settings of ${where} without being an admin of it`);
      if (after.direct) throw new MlsPolicyError(`${who} tried to turn ${where} into a 1:1`);
    }
    const committerAccount = toHex(committer.credential.accountId);
    for (const device of added) {
      const allowed = before.direct ? before.isDirectAccount(device.credential.accountId)
        : admin || toHex(device.credential.accountId) === committerAccount;
      if (!allowed) {
        throw new MlsPolicyError(`${who} tried to add ${device.credential.username} to ${where}`
          + (before.direct ? ", where only its two people belong" : " without being an admin of it"));
      }
    }
    for (const removal of removals) checkRemoval(removal, before, where);
    for (const member of updated) checkKeepsIdentity(member, byLeafBefore);
    const intruder = after.direct ? outsider(after, commit.membersAfter) : undefined;
    if (intruder) throw new MlsPolicyError(`a change by ${who} would put ${intruder} into ${where}`);
    return certified;
  }

  /**
   * Whether a received proposal may be kept for the next commit (Inbox.wouldCommit): Parley members
   * propose only removals (their own, when leaving), and a removal needs its proposer's authority.
   * Anything else would ride along in an admin's next commit, so it is never kept.
   */
  allowsProposal(proposal: Proposal, senderLeafIndex: number | undefined, members: Member[], extensions: readonly Extension[]): boolean {
    if (proposal.proposalType !== "remove") return false;
    const proposer = members.find((m) => m.leafIndex === senderLeafIndex);
    const member = members.find((m) => m.leafIndex === proposal.remove.removed);
    if (!proposer || !member) return false;
    try {
      checkRemoval({ member, proposer }, ConversationSettings.from(extensions), "");
      return true;
    } catch {
      return false;
    }
  }

  /** DeviceCertificates.check: certificates of `entering`, then account consistency over `all`. */
  private checkCertificates(entering: Member[], all: Member[]): MemberCredential[] {
    for (const member of entering) {
      if (!certifies(member.credential, member.signatureKey)) {
        const name = member.credential.username;
        throw new MlsPolicyError(`a device of ${name} that ${name}'s account key did not sign`);
      }
    }
    const ownAccount = toHex(this.own.accountId);
    const ownKey = toHex(this.own.accountPublicKey);
    const firstOfAccount = new Map<string, MemberCredential>();
    const accountOfUsername = new Map<string, string>();
    for (const { credential } of all) {
      const account = toHex(credential.accountId);
      const key = toHex(credential.accountKey);
      const own = account === ownAccount || credential.username === this.own.username;
      if (own && !(account === ownAccount && key === ownKey && credential.username === this.own.username)) {
        throw new MlsPolicyError("a device that claims to be yours but your account key did not sign it");
      }
      const first = firstOfAccount.get(account);
      if (first && toHex(first.accountKey) !== key) {
        throw new MlsPolicyError(`devices of ${credential.username} with different account keys in one group;`
          + ` one of them was not signed by ${credential.username}'s account`);
      }
      if (first && first.username !== credential.username) {
        throw new MlsPolicyError(`a device of ${first.username} calls itself ${credential.username}; one account uses two names`);
      }
      const named = accountOfUsername.get(credential.username);
      if (named !== undefined && named !== account) {
        throw new MlsPolicyError(`two members call themselves ${credential.username}; one is passing for the other`);
      }
      firstOfAccount.set(account, first ?? credential);
      accountOfUsername.set(credential.username, account);
    }
    return entering.map((m) => m.credential).filter((c) => toHex(c.accountId) !== ownAccount);
  }
}

/**
 * A removal needs the authority of whoever asked for it: an admin, the member leaving, or a device
 * of the same account; so an admin's commit cannot carry out a non-admin's swept-up Remove.
 */
function checkRemoval(removal: { member: Member; proposer: Member | undefined }, before: ConversationSettings, where: string): void {
  const device = removal.member.credential;
  if (!removal.proposer) throw new MlsPolicyError(`a removal of ${device.username} from ${where} came from outside it`);
  const proposer = removal.proposer.credential;
  const leaving = removal.proposer.leafIndex === removal.member.leafIndex;
  const admin = !before.direct && before.isAdmin(proposer.accountId);
  if (!leaving && !admin && toHex(device.accountId) !== toHex(proposer.accountId)) {
    throw new MlsPolicyError(`${proposer.username} tried to remove ${device.username} from ${where} without being an admin of it`);
  }
}

/** A member's new leaf keeps the account and username of its old one. */
function checkKeepsIdentity(updated: Member, before: Map<number, Member>): void {
  const was = before.get(updated.leafIndex)?.credential;
  const now = updated.credential;
  if (!was) throw new MlsPolicyError(`a leaf that was empty claims to be updated by ${now.username}`);
  if (toHex(was.accountId) !== toHex(now.accountId)) throw new MlsPolicyError(`a device of ${was.username} tried to move to another account`);
  if (was.username !== now.username) throw new MlsPolicyError(`a device of ${was.username} tried to become a device of ${now.username}`);
}

function outsider(direct: ConversationSettings, members: Member[]): string | undefined {
  return members.find((m) => !direct.isDirectAccount(m.credential.accountId))?.credential.username;
}

function accountName(account: Uint8Array, members: Member[]): string {
  const hex = toHex(account);
  return members.find((m) => toHex(m.credential.accountId) === hex)?.credential.username ?? `account ${hex.slice(0, 8)}`;
}
