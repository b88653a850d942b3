// How payloads reach other devices (ports of conversations/Carrier.java and OutgoingQueue.java):
// a send goes sealed on the anonymous channel, paid with one send token, when this device knows
// the access key of every recipient account, otherwise unsealed on the signed-in session; a
// sealed send refused with ACCESS_DENIED (a recipient rotated its access key) goes unsealed instead.
//
// Every send is first written to the persistent outgoing queue (vault area "outgoing", one entry
// per send, keyed by a growing sequence number so key order is the order of sending), then sent by
// the pump: each queue key's sends leave in order (members process a group's messages in order), a
// send refused by a limit waits for the server's retry_after_ms, a lost connection waits for the
// reconnect, and whatever is left is sent at the next start.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { QueuedSendSchema, type QueuedSend } from "../../gen/parley/local/v1/local_pb";
import {
  RecipientAccountSchema,
  SendSchema,
  SubmitCommitSchema,
  type RecipientAccount as WireRecipient,
  type Send,
  type ServerFrame,
} from "../../gen/parley/v1/parley_pb";
import { constantTimeEquals, toHex, utf8 } from "../bytes";
import { ServerError, type AnonymousChannel, type Carrier, type CommitOutcome, type RecipientAccount, type Session, type Vault } from "../contracts";
import { answerOf } from "../net/connection";
import { timed } from "../timing";
import { NoTokenError, type TokenWallet } from "../tokens/wallet";

const AREA = "outgoing";
/** The least wait after a refusal, so that a hint of zero does not make a busy loop. */
export const MIN_WAIT_MS = 1_000;
/** After a lost connection the session's reconnect resumes the queue; this is the latest it tries again anyway (the anonymous channel may be the one that failed). */
const UNAVAILABLE_RETRY_MS = 10_000;
/** A commit whose answer a dropped connection lost is submitted again, at most this many times in all. */
const MAX_COMMIT_SUBMISSIONS = 3;
const MESSAGE_ID_BYTES = 16;
const MAX_PAYLOAD_BYTES = 256 * 1024;

type SentListener = (queueKey: string, messageId: Uint8Array, unknownDeviceIds: Uint8Array[]) => void;
type FailedListener = (queueKey: string, messageId: Uint8Array, error: ServerError) => void;

/** The wire recipients; with access keys only when every account has one (then the send is sealed). */
function wireRecipients(recipients: RecipientAccount[]): { sealed: boolean; accounts: WireRecipient[] } {
  const sealed = recipients.every((r) => r.accessKey !== undefined && r.accessKey.length > 0);
  return {
    sealed,
    accounts: recipients.map((r) =>
      create(RecipientAccountSchema, { accountId: r.accountId, deviceIds: r.deviceIds, accessKey: sealed ? r.accessKey : undefined }),
    ),
  };
}

/** The same send for the signed-in connection: no token, no access keys. */
function unsealed(send: Send): Send {
  return create(SendSchema, {
    messageId: send.messageId,
    payload: send.payload,
    sealed: false,
    recipients: send.recipients.map((r) => create(RecipientAccountSchema, { accountId: r.accountId, deviceIds: r.deviceIds })),
  });
}

function noToken(e: NoTokenError): ServerError {
  return new ServerError("NO_TOKEN", e.message, e.retryAfterMs);
}

export class QueueCarrier implements Carrier {
  private readonly sentListeners = new Set<SentListener>();
  private readonly failedListeners = new Set<FailedListener>();
  private nextSequence = 0;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly stopWatching: () => void;

  private constructor(
    private readonly vault: Vault,
    private readonly session: Session,
    private readonly anonymous: AnonymousChannel,
    private readonly wallet: TokenWallet,
    private readonly now: () => number,
  ) {
    this.stopWatching = session.onState((state) => {
      if (state === "online") this.resume();
    });
  }

  static async open(vault: Vault, session: Session, anonymous: AnonymousChannel, wallet: TokenWallet, now: () => number = Date.now): Promise<QueueCarrier> {
    const carrier = new QueueCarrier(vault, session, anonymous, wallet, now);
    const entries = await vault.entries(AREA);
    carrier.nextSequence = entries.length === 0 ? 0 : Number(entries[entries.length - 1][0]) + 1;
    return carrier;
  }

  async send(queueKey: string, messageId: Uint8Array, recipients: RecipientAccount[], payload: Uint8Array): Promise<void> {
    if (messageId.length !== MESSAGE_ID_BYTES) throw new Error(`a message id is ${MESSAGE_ID_BYTES} bytes, got ${messageId.length}`);
    if (payload.length > MAX_PAYLOAD_BYTES) throw new Error(`a payload is at most ${MAX_PAYLOAD_BYTES} bytes, got ${payload.length}`);
    if (recipients.length === 0) throw new Error("a send needs at least one recipient");
    const { sealed, accounts } = wireRecipients(recipients);
    const send = create(SendSchema, { messageId, recipients: accounts, payload, sealed });
    const entry = create(QueuedSendSchema, { conversation: utf8(queueKey), send: toBinary(SendSchema, send), sealed, notBefore: 0n });
    await this.vault.put(AREA, String(this.nextSequence++).padStart(16, "0"), toBinary(QueuedSendSchema, entry));
    this.resume();
  }

  onSent(listener: SentListener): () => void {
    this.sentListeners.add(listener);
    return () => this.sentListeners.delete(listener);
  }

  onFailed(listener: FailedListener): () => void {
    this.failedListeners.add(listener);
    return () => this.failedListeners.delete(listener);
  }

  /** Sends what is due in the queue now (at start, on reconnect, after each send); resolves when this round is done. */
  resume(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.pumping) {
      this.pumpAgain = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      do {
        this.pumpAgain = false;
        await this.pump();
      } while (this.pumpAgain && !this.closed);
    })()
      // Closing the app closes its vault under a round in flight: what that round still had to write is the next start's.
      .catch((e: unknown) => {
        if (!this.closed) throw e;
      })
      .finally(() => (this.pumping = undefined));
    return this.pumping;
  }

  /** Sends waiting, over all queue keys. */
  async size(): Promise<number> {
    return (await this.vault.entries(AREA)).length;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.stopWatching();
  }

  private async pump(): Promise<void> {
    clearTimeout(this.timer);
    const heldBack = new Set<string>();
    let earliest = Number.POSITIVE_INFINITY;
    for (const [sequence, stored] of await this.vault.entries(AREA)) {
      if (this.closed) return;
      let entry: QueuedSend;
      let send: Send;
      try {
        entry = fromBinary(QueuedSendSchema, stored);
        send = fromBinary(SendSchema, entry.send);
      } catch {
        await this.vault.delete(AREA, sequence);
        console.warn("outgoing queue: a queued message in the profile was damaged and was dropped");
        continue;
      }
      const queueKey = new TextDecoder().decode(entry.conversation);
      const due = Number(entry.notBefore);
      if (heldBack.has(queueKey) || due > this.now()) {
        heldBack.add(queueKey);
        earliest = Math.min(earliest, due);
        continue;
      }
      try {
        const accepted = answerOf(await this.deliver(send), "sendAccepted");
        await this.vault.delete(AREA, sequence);
        this.emitSent(queueKey, send.messageId, accepted.unknownDeviceIds);
      } catch (e) {
        const error = e instanceof NoTokenError ? noToken(e) : e instanceof ServerError ? e : new ServerError("INTERNAL", (e as Error).message);
        if (error.code === "UNAVAILABLE") {
          earliest = Math.min(earliest, this.now() + UNAVAILABLE_RETRY_MS);
          break; // nothing else gets through either; the reconnect (session "online") resumes sooner
        }
        if (error.code === "RATE_LIMITED" || error.code === "MAILBOX_FULL" || error.code === "NO_TOKEN") {
          const notBefore = this.now() + Math.max(MIN_WAIT_MS, error.retryAfterMs ?? 0);
          await this.vault.put(AREA, sequence, toBinary(QueuedSendSchema, { ...entry, notBefore: BigInt(notBefore) }));
          heldBack.add(queueKey);
          earliest = Math.min(earliest, notBefore);
          continue;
        }
        // Refused for good: it can never go.
        await this.vault.delete(AREA, sequence);
        this.emitFailed(queueKey, send.messageId, error);
      }
    }
    if (Number.isFinite(earliest) && !this.closed) {
      this.timer = setTimeout(() => void this.resume(), Math.max(MIN_WAIT_MS, earliest - this.now()));
    }
  }

  /** One Send on the connection its sealing calls for (Carrier.deliver). */
  private async deliver(send: Send): Promise<ServerFrame> {
    const key = { send: toHex(send.messageId) };
    if (!send.sealed) return timed("carrier.server", key, () => this.session.request({ case: "send", value: send }));
    const token = await timed("carrier.token", key, () => this.wallet.take());
    try {
      return await timed("carrier.server", key, () => this.anonymous.request({ case: "send", value: create(SendSchema, { ...send, token }) }));
    } catch (e) {
      if (!(e instanceof ServerError) || e.code !== "ACCESS_DENIED") throw e;
      // A recipient may have rotated its access key; the server refuses this too if it accepts sealed mail only.
      return this.session.request({ case: "send", value: unsealed(send) });
    }
  }

  async submitCommit(
    routingId: Uint8Array,
    epoch: bigint,
    fanOut: { messageId: Uint8Array; recipients: RecipientAccount[]; payload: Uint8Array },
    welcome: { messageId: Uint8Array; recipients: RecipientAccount[]; payload: Uint8Array } | undefined,
    nextEpochKey: Uint8Array,
    signature: Uint8Array,
  ): Promise<CommitOutcome> {
    const fan = wireRecipients(fanOut.recipients);
    const join = welcome ? wireRecipients(welcome.recipients) : { sealed: true, accounts: [] };
    const sealed = fan.sealed && join.sealed;
    const sendOf = (part: { messageId: Uint8Array; payload: Uint8Array }, accounts: WireRecipient[]) =>
      create(SendSchema, { messageId: part.messageId, payload: part.payload, recipients: accounts, sealed });
    const submit = create(SubmitCommitSchema, {
      routingId,
      epoch,
      send: sendOf(fanOut, fan.accounts),
      welcome: welcome ? sendOf(welcome, join.accounts) : undefined,
      nextEpochKey,
      signature,
    });
    for (let attempt = 1; ; attempt++) {
      try {
        return outcome(await this.submitOnce(submit), fanOut.messageId);
      } catch (e) {
        if (e instanceof NoTokenError) throw noToken(e);
        // The server may have stored a commit whose answer was lost: sending it again is answered either way.
        if (!(e instanceof ServerError) || e.code !== "UNAVAILABLE" || attempt === MAX_COMMIT_SUBMISSIONS) throw e;
      }
    }
  }

  /** Carrier.submitCommit: sealed ones on the anonymous channel with a fresh token each time, unsealed after ACCESS_DENIED. */
  private async submitOnce(submit: ReturnType<typeof create<typeof SubmitCommitSchema>>): Promise<ServerFrame> {
    if (!submit.send?.sealed) return this.session.request({ case: "submitCommit", value: submit });
    const paid = create(SubmitCommitSchema, { ...submit, send: create(SendSchema, { ...submit.send, token: await this.wallet.take() }) });
    try {
      return await this.anonymous.request({ case: "submitCommit", value: paid });
    } catch (e) {
      if (!(e instanceof ServerError) || e.code !== "ACCESS_DENIED") throw e;
      const open = create(SubmitCommitSchema, {
        ...submit,
        send: unsealed(submit.send),
        welcome: submit.welcome ? unsealed(submit.welcome) : undefined,
      });
      return this.session.request({ case: "submitCommit", value: open });
    }
  }

  private emitSent(queueKey: string, messageId: Uint8Array, unknown: Uint8Array[]): void {
    for (const listener of [...this.sentListeners]) {
      try {
        listener(queueKey, messageId, unknown);
      } catch (e) {
        console.warn("an onSent listener failed:", (e as Error).message);
      }
    }
  }

  private emitFailed(queueKey: string, messageId: Uint8Array, error: ServerError): void {
    for (const listener of [...this.failedListeners]) {
      try {
        listener(queueKey, messageId, error);
      } catch (e) {
        console.warn("an onFailed listener failed:", (e as Error).message);
      }
    }
  }
}

/**
 * The CommitResult as the caller needs it. A submission whose answer a dropped connection lost may
 * have been stored: sent again, it is refused with this very commit named as the winner, which
 * means it was accepted (CommitCoordinator.java).
 */
function outcome(frame: ServerFrame, commitId: Uint8Array): CommitOutcome {
  const result = answerOf(frame, "commitResult");
  const accepted = result.accepted || (result.winningCommitId.length > 0 && constantTimeEquals(result.winningCommitId, commitId));
  return { accepted, currentEpoch: result.currentEpoch, unknownDeviceIds: result.unknownDeviceIds };
}
