// One MLS group (RFC 9420) as this device holds it: ts-mls's ClientState with Parley's policy
// applied on joining and on every commit, commits kept pending until the server orders them
// (the Java Group's pending-commit model), and the sender and authenticated data of every
// application message, which ts-mls's processMessage does not return.
import {
  type ClientState,
  createApplicationMessage,
  createGroup,
  createProposal,
  decodeGroupState,
  decodeMlsMessage,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  type Extension,
  joinGroup,
  type KeyPackage,
  mlsExporter,
  type MLSMessage,
  type PrivateKeyPackage,
  processMessage,
  type Proposal,
  type Welcome,
} from "ts-mls";
import { unprotectPrivateMessage } from "ts-mls/messageProtection.js";
import { makeKeyPackageRef } from "ts-mls/keyPackage.js";
import { decryptGroupInfo, decryptGroupSecrets } from "ts-mls/welcome.js";
import { toHex } from "../bytes";
import type { MemberCredential } from "./credential";
import { MlsPolicyError, UndecryptableMessage } from "./errors";
import { certificateAuthenticationService, type GroupPolicy, type Member, membersOf } from "./policy";
import { commitWithPath } from "./commit";
import { ConversationSettings } from "./settings";
import { cipherSuite, clientConfig } from "./suite";

const config = clientConfig(certificateAuthenticationService);

export type Processed =
  | { kind: "application"; data: Uint8Array; sender: Member; authenticatedData: Uint8Array }
  | { kind: "commit"; committer: Member; added: Member[]; removed: Member[]; removedSelf: boolean; certified: MemberCredential[]; settingsChanged: boolean }
  | { kind: "proposal"; proposal: Proposal; sender: Member | undefined };

/** A commit this device made, not yet merged: the server decides whether it wins its epoch. */
export interface PendingCommit {
  readonly baseEpoch: bigint;
  readonly commitMessage: Uint8Array;
  readonly welcome: Uint8Array | undefined;
  readonly added: Member[];
  readonly removed: Member[];
  /** MLS-Exporter of the epoch this commit leads to (RFC 9420 section 8.5). */
  exportSecret(label: string, context: Uint8Array, length: number): Promise<Uint8Array>;
  readonly state: ClientState;
}

/** Decodes an MLSMessage (RFC 9420 section 6) or throws MlsPolicyError: never a crash on hostile bytes. */
export function decodeMessage(bytes: Uint8Array): MLSMessage {
  let decoded;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (e) {
    throw new MlsPolicyError(`not an MLS message: ${(e as Error).message}`);
  }
  if (!decoded) throw new MlsPolicyError(`not an MLS message (${bytes.length} bytes)`);
  if (decoded[1] !== bytes.length) throw new MlsPolicyError(`${bytes.length - decoded[1]} bytes after the MLS message`);
  return decoded[0];
}

/** The group id a handshake or application message names, or undefined for other wire formats. */
export function groupIdOf(message: MLSMessage): Uint8Array | undefined {
  if (message.wireformat === "mls_private_message") return message.privateMessage.groupId;
  if (message.wireformat === "mls_public_message") return message.publicMessage.content.groupId;
  return undefined;
}

export class MlsGroup {
  private constructor(
    private state: ClientState,
    private readonly policy: GroupPolicy,
  ) {}

  /** A new group with only this device (RFC 9420 section 11), its settings in the group context. */
  static async create(
    groupId: Uint8Array,
    keyPackage: KeyPackage,
    privateKeys: PrivateKeyPackage,
    extensions: Extension[],
    policy: GroupPolicy,
  ): Promise<MlsGroup> {
    const state = await createGroup(groupId, keyPackage, privateKeys, extensions, await cipherSuite(), config);
    const group = new MlsGroup(state, policy);
    policy.checkGroup(group.members(), extensions);
    return group;
  }

  /**
   * Joins from a Welcome (section 12.4.3.1) with one of this device's key packages; the whole
   * group is checked by the policy before anything is kept. Returns the credentials to pin.
   */
  static async join(
    welcome: Welcome,
    keyPackage: KeyPackage,
    privateKeys: PrivateKeyPackage,
    policy: GroupPolicy,
  ): Promise<{ group: MlsGroup; certified: MemberCredential[]; inviter: Member | undefined }> {
    let state: ClientState;
    try {
      state = await joinGroup(welcome, keyPackage, privateKeys, emptyPskIndex, await cipherSuite(), undefined, undefined, config);
    } catch (e) {
      throw new MlsPolicyError(`a Welcome could not be used: ${(e as Error).message}`);
    }
    const group = new MlsGroup(state, policy);
    const members = group.members();
    const signer = await welcomeSigner(welcome, keyPackage, privateKeys);
    const inviter = members.find((m) => m.leafIndex === signer);
    const certified = policy.checkGroup(members, state.groupContext.extensions, inviter);
    return { group, certified, inviter };
  }

  static async fromBytes(bytes: Uint8Array, policy: GroupPolicy): Promise<MlsGroup> {
    const decoded = decodeGroupState(bytes, 0);
    if (!decoded) throw new Error("a stored group state does not decode");
    return new MlsGroup({ ...decoded[0], clientConfig: config }, policy);
  }

  toBytes(): Uint8Array {
    return encodeGroupState(this.state);
  }

  get groupId(): Uint8Array {
    return this.state.groupContext.groupId;
  }

  get epoch(): bigint {
    return this.state.groupContext.epoch;
  }

  get ownLeafIndex(): number {
    return this.state.privatePath.leafIndex;
  }

  get active(): boolean {
    return this.state.groupActiveState.kind === "active";
  }

  get extensions(): readonly Extension[] {
    return this.state.groupContext.extensions;
  }

  get epochAuthenticator(): Uint8Array {
    return this.state.keySchedule.epochAuthenticator;
  }

  settings(): ConversationSettings {
    return ConversationSettings.from(this.extensions);
  }

  members(): Member[] {
    return membersOf(this.state.ratchetTree);
  }

  /** MLS-Exporter(label, context, length) of the current epoch (section 8.5). */
  async exportSecret(label: string, context: Uint8Array, length: number): Promise<Uint8Array> {
    return mlsExporter(this.state.keySchedule.exporterSecret, label, context, length, await cipherSuite());
  }

  /** An application message (section 6.3.2); the sending ratchet moves, so the caller persists the group before sending. */
  async encrypt(plaintext: Uint8Array, authenticatedData: Uint8Array): Promise<Uint8Array> {
    const result = await createApplicationMessage(this.state, plaintext, await cipherSuite(), authenticatedData);
    this.state = result.newState;
    return encodeMlsMessage({ version: "mls10", wireformat: "mls_private_message", privateMessage: result.privateMessage });
  }

  /** A Remove proposal (section 12.1.3) as a PrivateMessage; a member cannot commit its own removal. */
  async proposeRemove(leafIndex: number): Promise<Uint8Array> {
    const result = await createProposal(this.state, false, { proposalType: "remove", remove: { removed: leafIndex } }, await cipherSuite());
    this.state = result.newState;
    return encodeMlsMessage(result.message);
  }

  /**
   * A commit of `proposals` (and of every proposal received this epoch, section 12.2) with an
   * UpdatePath, and a Welcome carrying the ratchet tree (section 12.4.3.3) when it adds members. Checked by the
   * policy as every other member will check it; nothing changes until `merge`.
   */
  async commit(proposals: Proposal[]): Promise<PendingCommit> {
    const cs = await cipherSuite();
    const result = await commitWithPath(this.state, proposals, cs);
    const before = this.members();
    const after = membersOf(result.newState.ratchetTree);
    const received = Object.values(this.state.unappliedProposals);
    const all = [...received, ...proposals.map((proposal) => ({ proposal, senderLeafIndex: undefined }))];
    this.policy.checkCommit({
      committer: before.find((m) => m.leafIndex === this.ownLeafIndex),
      proposals: all,
      membersBefore: before,
      membersAfter: after,
      extensionsBefore: this.extensions,
      extensionsAfter: result.newState.groupContext.extensions,
    });
    const { added, removed } = difference(before, after);
    return {
      baseEpoch: this.epoch,
      commitMessage: encodeMlsMessage(result.commit),
      welcome: result.welcome ? encodeMlsMessage({ version: "mls10", wireformat: "mls_welcome", welcome: result.welcome }) : undefined,
      added,
      removed,
      state: result.newState,
      exportSecret: async (label, context, length) =>
        mlsExporter(result.newState.keySchedule.exporterSecret, label, context, length, cs),
    };
  }

  /** Adopts a pending commit that the server accepted (section 12.4). */
  merge(pending: PendingCommit): void {
    if (pending.baseEpoch !== this.epoch) throw new Error(`a commit for epoch ${pending.baseEpoch} cannot be merged at ${this.epoch}`);
    this.state = pending.state;
  }

  /**
   * Processes a handshake or application message of this group. The state moves only when the
   * message is valid and the policy allows it; otherwise MlsPolicyError and nothing changed.
   */
  async process(message: MLSMessage): Promise<Processed> {
    const cs = await cipherSuite();
    if (message.wireformat === "mls_private_message") {
      const application = await this.openApplication(message);
      if (application) return application;
    } else if (message.wireformat !== "mls_public_message") {
      throw new MlsPolicyError(`a ${message.wireformat} is not a message of a group`);
    }
    const before = this.members();
    const byLeaf = new Map(before.map((m) => [m.leafIndex, m]));
    let seen: { committer: number | undefined; proposals: { proposal: Proposal; senderLeafIndex: number | undefined }[] } | undefined;
    let proposal: { proposal: Proposal; senderLeafIndex: number | undefined } | undefined;
    let result;
    try {
      result = await processMessage(message, this.state, emptyPskIndex, (incoming) => {
        if (incoming.kind === "commit") {
          seen = { committer: incoming.senderLeafIndex, proposals: incoming.proposals };
          return "accept";
        }
        proposal = incoming.proposal;
        return this.policy.allowsProposal(proposal.proposal, proposal.senderLeafIndex, before, this.extensions) ? "accept" : "reject";
      }, cs);
    } catch (e) {
      throw new MlsPolicyError(`an MLS message was refused: ${(e as Error).message}`);
    }
    if (result.kind === "applicationMessage") throw new MlsPolicyError("an application message outside a PrivateMessage");
    const next = result.newState;
    if (proposal && result.kind === "newState" && result.actionTaken === "reject") {
      throw new MlsPolicyError(`a ${proposal.proposal.proposalType} proposal that this conversation's rules do not allow`);
    }
    if (proposal) {
      this.state = next;
      return { kind: "proposal", proposal: proposal.proposal, sender: byLeaf.get(proposal.senderLeafIndex ?? -1) };
    }
    if (!seen) throw new MlsPolicyError("an MLS message that is neither a commit nor a proposal");
    const committer = seen.committer === undefined ? undefined : byLeaf.get(seen.committer);
    const removedSelf = next.groupActiveState.kind === "removedFromGroup";
    const after = membersOf(next.ratchetTree);
    const certified = this.policy.checkCommit({
      committer,
      proposals: seen.proposals,
      membersBefore: before,
      membersAfter: after,
      extensionsBefore: this.extensions,
      // A removed member gets no new group context; its settings stay as they were.
      extensionsAfter: next.groupContext.extensions,
    });
    const settingsChanged = seen.proposals.some((p) => p.proposal.proposalType === "group_context_extensions");
    this.state = next;
    return { kind: "commit", committer: committer!, ...difference(before, after), removedSelf, certified, settingsChanged };
  }

  /** Decrypts a PrivateMessage and, when it holds application data, moves the secret tree (section 9). */
  private async openApplication(message: MLSMessage & { wireformat: "mls_private_message" }): Promise<Processed | undefined> {
    const cs = await cipherSuite();
    const pm = message.privateMessage;
    const current = pm.epoch === this.epoch;
    const receiver = current ? { ...this.state, senderDataSecret: this.state.keySchedule.senderDataSecret }
      : this.state.historicalReceiverData.get(pm.epoch);
    if (!receiver) {
      throw new MlsPolicyError(`a message of epoch ${pm.epoch}, which this device ${pm.epoch > this.epoch ? "has not reached" : "no longer keeps"}`);
    }
    let opened;
    try {
      opened = await unprotectPrivateMessage(receiver.senderDataSecret, pm, receiver.secretTree, receiver.ratchetTree,
        receiver.groupContext, this.state.clientConfig.keyRetentionConfig, cs);
    } catch (e) {
      throw new UndecryptableMessage(`a message that does not decrypt: ${(e as Error).message}`, current, pm.authenticatedData);
    }
    const content = opened.content.content;
    if (content.contentType !== "application") {
      if (!current) throw new MlsPolicyError("a commit or proposal of a former epoch");
      return undefined; // handled by processMessage from the unchanged state
    }
    const from = content.sender;
    if (from.senderType !== "member") throw new MlsPolicyError("an application message from outside the group");
    const sender = membersOf(receiver.ratchetTree).find((m) => m.leafIndex === from.leafIndex);
    if (!sender) throw new MlsPolicyError("an application message from an empty leaf");
    if (current) {
      this.state = { ...this.state, secretTree: opened.tree };
    } else {
      const history = new Map(this.state.historicalReceiverData);
      history.set(pm.epoch, { ...this.state.historicalReceiverData.get(pm.epoch)!, secretTree: opened.tree });
      this.state = { ...this.state, historicalReceiverData: history };
    }
    return { kind: "application", data: content.applicationData, sender, authenticatedData: content.authenticatedData };
  }
}

/**
 * The leaf that signed the Welcome's GroupInfo (RFC 9420 section 12.4.3): whoever added this
 * device. ts-mls's joinGroup checked it and keeps no copy, so it is read again here.
 */
async function welcomeSigner(welcome: Welcome, keyPackage: KeyPackage, privateKeys: PrivateKeyPackage): Promise<number | undefined> {
  const cs = await cipherSuite();
  const secrets = await decryptGroupSecrets(await cs.hpke.importPrivateKey(privateKeys.initPrivateKey),
    await makeKeyPackageRef(keyPackage, cs.hash), welcome, cs.hpke);
  if (!secrets) return undefined;
  // Parley uses no PSKs (section 8.4): the psk_secret is all zeros.
  const info = await decryptGroupInfo(welcome, secrets.joinerSecret, new Uint8Array(cs.kdf.size), cs);
  return info?.signer;
}

/** The KeyPackageRef (section 5.2) a Welcome names a key package by. */
export async function keyPackageRef(keyPackage: KeyPackage): Promise<Uint8Array> {
  return makeKeyPackageRef(keyPackage, (await cipherSuite()).hash);
}

function difference(before: Member[], after: Member[]): { added: Member[]; removed: Member[] } {
  const key = (m: Member) => `${m.leafIndex}:${toHex(m.credential.deviceId)}`;
  const was = new Set(before.map(key));
  const is = new Set(after.map(key));
  return { added: after.filter((m) => !was.has(key(m))), removed: before.filter((m) => !is.has(key(m))) };
}
