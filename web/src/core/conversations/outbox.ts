// Sending into a conversation (the Java client's Outbox and CommitCoordinator). Content is
// encrypted for the group, the group state persisted before the ciphertext leaves (so a crash
// cannot reuse a key), wrapped (PayloadWrap) and handed to the Carrier for every other device in
// the ratchet tree. Commits go to the server's commit ordering (RFC 9750 section 5.2) with the
// epoch commit keys of CommitAuthority, and are merged only once the server says they won.
import { create, toBinary } from "@bufbuild/protobuf";
import { sha256 } from "@noble/hashes/sha2.js";
import type { Proposal } from "ts-mls";
import { type Content, ContentSchema } from "../../gen/parley/content/v1/content_pb";
import { concat, constantTimeEquals, randomBytes, toHex, utf8 } from "../bytes";
import { CoreError } from "../net/errors";
import type { CoreContext, RecipientAccount } from "../contracts";
import type { Contacts } from "../keys/contacts";
import type { Claimed } from "../keys/keyPackages";
import type { MemberCredential } from "../mls/credential";
import type { MlsGroup, PendingCommit } from "../mls/group";
import { COMMIT_KEY_BYTES, COMMIT_KEY_LABEL, commitKeyFromSeed, commitSignedContent, routingId } from "../wire/commitAuthority";
import { wrapGroupMessage, wrapWelcome } from "../wire/payloadWrap";
import { stageEnd, stageStart, timed } from "../timing";
import type { Groups } from "./groups";

/** Eight bytes of every application message's authenticated_data: the fork tag (ForkTag.java). */
const FORK_TAG_LABEL = utf8("parley-v1-fork-tag");
export const FORK_TAG_BYTES = 8;
const MAX_COMMIT_ATTEMPTS = 20;
/** How long a losing committer waits for the winning commit to arrive before giving up. */
const WINNER_WAIT_MS = 15_000;

/** SHA-256("parley-v1-fork-tag" || epoch_authenticator)[0..8] (RFC 9420 section 8.7): equal at every member of one epoch. */
export function forkTag(group: MlsGroup): Uint8Array {
  return sha256(concat(FORK_TAG_LABEL, group.epochAuthenticator)).slice(0, FORK_TAG_BYTES);
}

export type ContentBody = Content["body"];

export class Outbox {
  constructor(
    private readonly ctx: CoreContext,
    private readonly groups: Groups,
    private readonly contacts: Contacts,
    private readonly ownAccessKey: () => Uint8Array | undefined,
  ) {}

  /**
   * Sends content with a fresh id, this device as sender and the time now; call under the groups'
   * lock. Returns what was sent and the id the carrier reports its outcome by.
   */
  async send(conversationId: string, body: ContentBody): Promise<{ content: Content; sendId: Uint8Array | undefined }> {
    const group = this.groups.active(conversationId);
    const content = create(ContentSchema, {
      id: randomBytes(16),
      sentAt: BigInt(Date.now()),
      senderDevice: this.ctx.identity.deviceId,
      body,
    });
    const key = { id: toHex(content.id) };
    const ciphertext = await timed("send.encrypt", key, () => group.encrypt(toBinary(ContentSchema, content), forkTag(group)));
    // The sending ratchet moved: persist before the ciphertext leaves.
    await timed("send.saveGroup", key, () => this.groups.save(group));
    const queued = stageStart();
    const sendId = await this.fanOut(conversationId, group, ciphertext);
    if (sendId) stageEnd("send.queue", queued, { ...key, send: toHex(sendId) });
    return { content, sendId };
  }

  /** Sends an MLS message of the group to every other device in it; undefined when there is none. */
  async fanOut(conversationId: string, group: MlsGroup, mlsMessage: Uint8Array): Promise<Uint8Array | undefined> {
    const recipients = await this.recipients(group);
    if (recipients.length === 0) return undefined;
    const payload = await wrapGroupMessage(await this.groups.wrapKey(conversationId), mlsMessage);
    const sendId = randomBytes(16);
    await this.ctx.carrier.send(conversationId, sendId, recipients, payload);
    return sendId;
  }

  /** Every device in the tree but this one, by account, with the access keys this device holds. */
  async recipients(group: MlsGroup): Promise<RecipientAccount[]> {
    return this.byAccount(group.members().filter((m) => m.leafIndex !== group.ownLeafIndex).map((m) => m.credential));
  }

  /** Devices grouped by account, in the order first seen: the shape of the server's fan-out list. */
  async byAccount(devices: MemberCredential[]): Promise<RecipientAccount[]> {
    const accounts = new Map<string, RecipientAccount>();
    for (const device of devices) {
      const key = toHex(device.accountId);
      let account = accounts.get(key);
      if (!account) {
        account = { accountId: device.accountId, deviceIds: [], accessKey: await this.accessKeyOf(device.accountId) };
        accounts.set(key, account);
      }
      account.deviceIds.push(device.deviceId);
    }
    return [...accounts.values()];
  }

  private async accessKeyOf(accountId: Uint8Array): Promise<Uint8Array | undefined> {
    if (constantTimeEquals(accountId, this.ctx.identity.accountId)) return this.ownAccessKey();
    return this.contacts.accessKeyOf(accountId);
  }

  /**
   * Submits a commit of the proposals `change` makes until it wins an epoch (CommitCoordinator):
   * on a lost race the winner is awaited (outside the lock, so the inbox can process it) and
   * `change` applied again to the new epoch. Returns the merged commit.
   */
  async commit(conversationId: string, change: (group: MlsGroup) => Proposal[], joiners: Claimed[] = []): Promise<PendingCommit> {
    for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
      const outcome = await this.groups.exclusive(() => this.submit(conversationId, change, joiners));
      if ("merged" in outcome) return outcome.merged;
      if (!(await this.groups.waitForEpoch(conversationId, outcome.lostTo, WINNER_WAIT_MS))) {
        throw new CoreError("GROUP_BUSY", `another member's change (epoch ${outcome.lostTo}) did not arrive in time; try again`);
      }
    }
    throw new CoreError("GROUP_BUSY", `the group kept changing under this device (${MAX_COMMIT_ATTEMPTS} lost commits in a row); try again`);
  }

  /** One attempt: the commit, its fan-out and Welcome, the next epoch's commit key, and the signature by this epoch's. */
  private async submit(
    conversationId: string,
    change: (group: MlsGroup) => Proposal[],
    joiners: Claimed[],
  ): Promise<{ merged: PendingCommit } | { lostTo: bigint }> {
    const group = this.groups.active(conversationId);
    const pending = await group.commit(change(group));
    const commitPayload = await wrapGroupMessage(await this.groups.wrapKey(conversationId), pending.commitMessage);
    const welcomePayload = pending.welcome ? wrapWelcome(pending.welcome) : new Uint8Array();
    const none = new Uint8Array();
    const nextEpochKey = commitKeyFromSeed(await pending.exportSecret(COMMIT_KEY_LABEL, none, COMMIT_KEY_BYTES)).publicKey;
    const currentKey = commitKeyFromSeed(await group.exportSecret(COMMIT_KEY_LABEL, none, COMMIT_KEY_BYTES));
    // The server orders commits under an id derived from the group id, never the group id itself.
    const routing = routingId(group.groupId);
    const signature = currentKey.sign(commitSignedContent(routing, pending.baseEpoch, commitPayload, welcomePayload, nextEpochKey));
    const commitId = randomBytes(16);
    const result = await this.ctx.carrier.submitCommit(
      routing,
      pending.baseEpoch,
      { messageId: commitId, recipients: await this.recipients(group), payload: commitPayload },
      pending.welcome
        ? { messageId: commitId, recipients: await this.byAccount(joiners.map((j) => j.member)), payload: welcomePayload }
        : undefined,
      nextEpochKey,
      signature,
    );
    if (!result.accepted) return { lostTo: result.currentEpoch };
    group.merge(pending);
    await this.groups.save(group);
    return { merged: pending };
  }
}
