// SFrame keys from MLS (RFC 9605 §5.2), the twin of Java's MlsSFrameKeys: one base_key per epoch
// from the MLS exporter and a distinct KID per member index, so that every sender has its own key
// and salt without any key being sent:
//   KID = (context << (S + E)) + (sender_index << E) + (epoch % (1 << E))
// Keys of at most 2^E epochs are kept: entering an epoch drops the older one sharing its low E bits.
import { SFrameContext, SFrameKey } from "./context";
import type { SFrameCipherSuite } from "./suite";

/** The exporter label of RFC 9605 §5.2. */
export const EXPORTER_LABEL = "SFrame 1.0 Base Key";

/** The smallest S such that groupSize <= 1 << S. */
export function indexBits(groupSize: number): number {
  return groupSize <= 1 ? 0 : 32 - Math.clz32(groupSize - 1);
}

export function kid(contextId: bigint, senderIndex: number, epoch: bigint, indexBits: number, epochBits: number): bigint {
  const e = BigInt(epochBits);
  return (contextId << BigInt(indexBits + epochBits)) + (BigInt(senderIndex) << e) + (epoch & ((1n << e) - 1n));
}

export class MlsSFrameKeys {
  readonly #context: SFrameContext;
  /** KIDs installed per value of the epoch's low-order E bits. */
  readonly #kidsByEpochSlot = new Map<bigint, bigint[]>();
  #sendKid: bigint | undefined;

  constructor(
    readonly suite: SFrameCipherSuite,
    readonly epochBits: number,
  ) {
    if (epochBits < 1 || epochBits > 16) throw new RangeError(`epoch bits must be between 1 and 16, was ${epochBits}`);
    this.#context = new SFrameContext(suite);
  }

  /**
   * Installs the keys of a new epoch from its base_key (Nk bytes of MLS-Exporter(EXPORTER_LABEL,
   * "", Nk)): the sending key for ownIndex, receiving keys for every other member index.
   * groupSize is the number of leaves (member indices are below it). Every key is derived before
   * any is installed, so the store never holds half an epoch.
   */
  async enterEpoch(epoch: bigint, ownIndex: number, memberIndices: readonly number[], groupSize: number, baseKey: Uint8Array): Promise<void> {
    if (baseKey.length !== this.suite.nk) throw new RangeError(`the SFrame suite wants ${this.suite.nk} base key bytes, got ${baseKey.length}`);
    const s = indexBits(groupSize);
    const keys = await Promise.all(
      memberIndices.map((index) => SFrameKey.derive(this.suite, kid(0n, index, epoch, s, this.epochBits), baseKey)),
    );
    const slot = epoch & ((1n << BigInt(this.epochBits)) - 1n);
    for (const old of this.#kidsByEpochSlot.get(slot) ?? []) this.#context.removeKey(old);
    memberIndices.forEach((index, i) => {
      if (index === ownIndex) {
        this.#context.addSendKey(keys[i]);
        this.#sendKid = keys[i].kid;
      } else {
        this.#context.addReceiveKey(keys[i]);
      }
    });
    this.#kidsByEpochSlot.set(slot, keys.map((k) => k.kid));
  }

  /** Encrypts a frame under this member's key of the newest epoch. */
  encrypt(metadata: Uint8Array, frame: Uint8Array): Promise<Uint8Array> {
    if (this.#sendKid === undefined) throw new Error("no epoch entered yet");
    return this.#context.encrypt(this.#sendKid, metadata, frame);
  }

  /** Decrypts a frame of any member in any epoch still kept. */
  decrypt(metadata: Uint8Array, sframe: Uint8Array): Promise<Uint8Array> {
    return this.#context.decrypt(metadata, sframe);
  }
}
