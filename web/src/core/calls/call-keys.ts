// The SFrame keys (RFC 9605) of one call, the twin of Java's client/calls/CallKeys: this member's
// and every other member's key of the conversation group's current epoch (§5.2, from the MLS
// exporter), entered again when the epoch changes. Sending checks the epoch now and then;
// receiving re-keys when a frame names a KID not keyed yet.
import type { CallChannel } from "../contracts";
import { UnknownKeyIdError } from "./sframe/context";
import { SFrameError, decodeHeader } from "./sframe/header";
import { EXPORTER_LABEL, MlsSFrameKeys } from "./sframe/mls-keys";
import { AES_128_GCM_SHA256_128 } from "./sframe/suite";

const SUITE = AES_128_GCM_SHA256_128;
/** Low-order epoch bits in a KID (RFC 9605 §5.2's E): keys of 16 epochs are kept. */
const EPOCH_BITS = 4;
/** How often the group's epoch is checked for a re-key while sending. */
const EPOCH_CHECK_MS = 500;

export class CallKeys {
  readonly #keys = new MlsSFrameKeys(SUITE, EPOCH_BITS);
  #keyedEpoch: bigint | undefined;
  #rekeying: Promise<void> | undefined;
  #lastEpochCheck = Number.NEGATIVE_INFINITY;
  #undecryptable = 0;
  /** Usernames by MLS leaf index, of the epochs keyed so far (a leaf keeps its member within an epoch). */
  readonly #names = new Map<number, string>();

  constructor(
    private readonly channel: CallChannel,
    private readonly conversationId: string,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Enters the current epoch's keys unless they are the ones entered last; one re-key at a time. */
  rekeyIfEpochChanged(): Promise<void> {
    if (this.#rekeying) return this.#rekeying;
    if (this.channel.epoch(this.conversationId) === this.#keyedEpoch) return Promise.resolve();
    this.#rekeying = (async () => {
      const secret = await this.channel.exportEpochSecret(this.conversationId, EXPORTER_LABEL, SUITE.nk);
      // The leaf count is the highest member leaf plus one, as Java's Conversations.exportSecret has it.
      const leafCount = Math.max(0, ...secret.memberLeaves) + 1;
      await this.#keys.enterEpoch(secret.epoch, secret.ownLeaf, secret.memberLeaves, leafCount, secret.secret);
      secret.memberNames?.forEach((name, i) => this.#names.set(secret.memberLeaves[i], name));
      this.#keyedEpoch = secret.epoch;
    })().finally(() => (this.#rekeying = undefined));
    return this.#rekeying;
  }

  /** Encrypts a frame under this device's key of the current epoch, with its header fields as metadata. */
  async seal(metadata: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    const now = this.now();
    if (now - this.#lastEpochCheck >= EPOCH_CHECK_MS) {
      this.#lastEpochCheck = now;
      await this.rekeyIfEpochChanged();
    }
    return this.#keys.encrypt(metadata, plaintext);
  }

  /** The plaintext of a received frame, or undefined (counted) when it does not decrypt. */
  async open(metadata: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array | undefined> {
    try {
      try {
        return await this.#keys.decrypt(metadata, ciphertext);
      } catch (e) {
        // A KID of an epoch not keyed yet means the group moved on: re-key once and retry.
        if (!(e instanceof UnknownKeyIdError)) throw e;
        await this.rekeyIfEpochChanged();
        return await this.#keys.decrypt(metadata, ciphertext);
      }
    } catch (e) {
      if (!(e instanceof SFrameError)) throw e;
      this.#undecryptable++;
      return undefined;
    }
  }

  /**
   * Who sent a frame that decrypted: its KID names the sender's leaf (RFC 9605 §5.2, context 0:
   * KID = sender_index << E + epoch bits), and the leaf its member, as of the newest epoch keyed.
   */
  senderName(sframe: Uint8Array): string | undefined {
    try {
      return this.#names.get(Number(decodeHeader(sframe).kid >> BigInt(EPOCH_BITS)));
    } catch {
      return undefined;
    }
  }

  /** Frames that arrived but did not decrypt (wrong key or altered). */
  get undecryptable(): number {
    return this.#undecryptable;
  }
}
