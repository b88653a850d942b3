// Video frames put together from their fragments, the twin of Java's
// org.parley.media.packet.FrameReassembler: fragments may arrive lost, duplicated or out of order,
// and anyone on the path can forge them, so memory is bounded: at most maxPendingFrames incomplete
// frames (the oldest is given up for a new one), at most maxFrameBytes per frame, and a fixed
// memory of recently finished frames (completed or dropped) so that their late fragments are not
// taken for a new frame. A fragment that contradicts its frame's earlier ones (another count,
// timestamp or flags) drops the whole frame: one of them is forged or corrupt.
import { toHex } from "../bytes";
import type { FrameFields, MediaPacket } from "./packet";

/** A whole frame: the frame header fields and the SFrame ciphertext of all its fragments. */
export interface ReassembledFrame extends FrameFields {
  readonly payload: Uint8Array;
}

/** What was done with the fragments given; duplicates include fragments of frames already finished. */
export interface ReassemblyStats {
  frames: number;
  duplicates: number;
  abandoned: number;
  inconsistent: number;
  oversized: number;
}

interface Pending {
  readonly first: MediaPacket;
  readonly fragments: (Uint8Array | undefined)[];
  received: number;
  bytes: number;
}

const FINISHED_MEMORY = 1024;

export class FrameReassembler {
  /** Insertion-ordered: the first entry is the oldest incomplete frame. */
  readonly #pending = new Map<string, Pending>();
  readonly #finished = new Set<string>();
  readonly stats: ReassemblyStats = { frames: 0, duplicates: 0, abandoned: 0, inconsistent: 0, oversized: 0 };

  constructor(
    readonly maxPendingFrames: number,
    readonly maxFrameBytes: number,
  ) {
    if (!(maxPendingFrames >= 1 && maxFrameBytes >= 1)) {
      throw new RangeError(`limits must be positive: ${maxPendingFrames} frames, ${maxFrameBytes} bytes`);
    }
  }

  /** The limits of Java's VideoReception: 16 incomplete frames of 2 MiB (a 4K key frame fits), 32 MiB at most. */
  static forCallVideo(): FrameReassembler {
    return new FrameReassembler(16, 2 << 20);
  }

  /** Takes one decoded packet; returns the frame it completes, if any. */
  accept(packet: MediaPacket): ReassembledFrame | undefined {
    const key = `${toHex(packet.callId)}:${packet.participantId}:${packet.streamId}:${packet.sequence}`;
    if (this.#finished.has(key)) {
      this.stats.duplicates++;
      return undefined;
    }
    let frame = this.#pending.get(key);
    if (!frame) {
      // Every fragment carries at least one byte, so a count above the byte limit is a lie.
      if (packet.fragmentCount > this.maxFrameBytes) {
        this.#remember(key);
        this.stats.oversized++;
        return undefined;
      }
      if (this.#pending.size >= this.maxPendingFrames) {
        this.#pending.delete(this.#pending.keys().next().value!);
        this.stats.abandoned++;
      }
      frame = { first: packet, fragments: new Array(packet.fragmentCount).fill(undefined), received: 0, bytes: 0 };
      this.#pending.set(key, frame);
    } else if (
      packet.fragmentCount !== frame.first.fragmentCount ||
      packet.timestamp !== frame.first.timestamp ||
      packet.flags !== frame.first.flags
    ) {
      this.#pending.delete(key);
      this.#remember(key);
      this.stats.inconsistent++;
      return undefined;
    }
    if (frame.fragments[packet.fragmentIndex] !== undefined) {
      this.stats.duplicates++;
      return undefined;
    }
    frame.bytes += packet.payload.length;
    if (frame.bytes > this.maxFrameBytes) {
      this.#pending.delete(key);
      this.#remember(key);
      this.stats.oversized++;
      return undefined;
    }
    frame.fragments[packet.fragmentIndex] = packet.payload;
    if (++frame.received < frame.fragments.length) return undefined;
    this.#pending.delete(key);
    this.#remember(key);
    const payload = new Uint8Array(frame.bytes);
    let at = 0;
    for (const fragment of frame.fragments as Uint8Array[]) {
      payload.set(fragment, at);
      at += fragment.length;
    }
    this.stats.frames++;
    const { flags, callId, participantId, streamId, sequence, timestamp } = frame.first;
    return { flags, callId, participantId, streamId, sequence, timestamp, payload };
  }

  #remember(key: string): void {
    this.#finished.add(key);
    if (this.#finished.size > FINISHED_MEMORY) this.#finished.delete(this.#finished.values().next().value!);
  }

  /** Incomplete frames currently held. */
  get pendingFrames(): number {
    return this.#pending.size;
  }
}
