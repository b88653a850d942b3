// A receive-side jitter buffer for one audio stream, the twin of Java's
// org.parley.media.jitter.JitterBuffer: frames go in by sequence number in any order and come out
// in order at their playout time, with a "lost" entry for each frame that did not make it. A
// frame offered twice, or after its turn, is dropped (the replay protection of the media path).
//
// Playout time of sequence s is s * frameMs + offset. The offset is the fastest transit seen in a
// recent window plus a target delay covering the spread of recent transits (98th percentile), or
// a late frame's delay which then decays, or an initial delay before enough frames were seen. It
// grows at once when the network slows and shrinks by a tenth of a frame per played frame.
// Time is passed in (ms on the receiver's clock); memory is bounded by capacityFrames.

export interface JitterConfig {
  frameMs: number;
  minDelayMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  capacityFrames: number;
}

/** 20 ms frames, 20..500 ms target delay starting at 80 ms, up to 256 frames (about 5 s). */
export const AUDIO_JITTER: JitterConfig = { frameMs: 20, minDelayMs: 20, initialDelayMs: 80, maxDelayMs: 500, capacityFrames: 256 };

export type Playout = { sequence: number; payload: Uint8Array } | { sequence: number; payload: undefined };
export type Arrival = "accepted" | "duplicate" | "late" | "overflow";

const TRANSIT_WINDOW = 128;
const WARM_UP_FRAMES = 25;

export class JitterBuffer {
  readonly #frames = new Map<number, Uint8Array>();
  readonly #transits: number[] = [];
  #transitNext = 0;
  #fastestTransit = 0;
  #targetDelay: number;
  #lateSpike = 0;
  #offset = 0;
  /** Sequence numbers handed out recently, and whether each had arrived: tells late from duplicate. */
  readonly #handedOut: number[];
  readonly #arrived: boolean[];
  #started = false;
  #nextSequence = 0;
  readonly counts = { received: 0, played: 0, concealed: 0, late: 0, duplicates: 0, overflow: 0 };

  constructor(readonly config: JitterConfig = AUDIO_JITTER) {
    this.#targetDelay = config.initialDelayMs;
    this.#handedOut = new Array(config.capacityFrames).fill(-1);
    this.#arrived = new Array(config.capacityFrames).fill(false);
  }

  offer(sequence: number, payload: Uint8Array, arrivalMs: number): Arrival {
    if (this.#started && sequence < this.#nextSequence) {
      const slot = sequence % this.#handedOut.length;
      if (this.#handedOut[slot] === sequence && this.#arrived[slot]) {
        this.counts.duplicates++;
        return "duplicate";
      }
      if (this.#handedOut[slot] === sequence) this.#arrived[slot] = true;
      // A late frame means the delay fell short: cover it at once, and let it decay.
      const transit = arrivalMs - sequence * this.config.frameMs;
      this.#lateSpike = Math.max(this.#lateSpike, transit - this.#fastestTransit + this.config.frameMs / 2);
      this.#recordTransit(transit);
      this.counts.late++;
      return "late";
    }
    if (this.#frames.has(sequence)) {
      this.counts.duplicates++;
      return "duplicate";
    }
    if (this.#started && sequence - this.#nextSequence >= this.config.capacityFrames) {
      this.#resyncTo(sequence - this.config.capacityFrames + 1);
    } else if (this.#frames.size >= this.config.capacityFrames) {
      this.counts.overflow++;
      return "overflow";
    }
    this.#frames.set(sequence, payload);
    this.counts.received++;
    this.#recordTransit(arrivalMs - sequence * this.config.frameMs);
    return "accepted";
  }

  /** The stream jumped further ahead than the buffer holds: skip to `first`. */
  #resyncTo(first: number): void {
    for (const sequence of [...this.#frames.keys()]) {
      if (sequence < first) {
        this.#frames.delete(sequence);
        this.counts.overflow++;
      }
    }
    this.#nextSequence = first;
  }

  /**
   * The next frame due by nowMs (payload undefined for a lost one), or undefined when nothing is
   * due. While the buffer is empty it waits rather than conceal, so a stream that stopped is not lost.
   */
  poll(nowMs: number): Playout | undefined {
    if (this.#frames.size === 0) return undefined;
    if (!this.#started) {
      this.#nextSequence = Math.min(...this.#frames.keys());
      this.#offset = this.#fastestTransit + this.#targetDelay;
      this.#started = true;
    }
    if (nowMs < this.#nextSequence * this.config.frameMs + this.#offset) return undefined;
    const sequence = this.#nextSequence++;
    this.#lateSpike = Math.max(0, this.#lateSpike - 1);
    this.#offset = Math.max(this.#fastestTransit + this.#targetDelay, this.#offset - this.config.frameMs / 10);
    const payload = this.#frames.get(sequence);
    this.#frames.delete(sequence);
    const slot = sequence % this.#handedOut.length;
    this.#handedOut[slot] = sequence;
    this.#arrived[slot] = payload !== undefined;
    if (payload === undefined) this.counts.concealed++;
    else this.counts.played++;
    return { sequence, payload };
  }

  #recordTransit(transit: number): void {
    this.#transits[this.#transitNext] = transit;
    this.#transitNext = (this.#transitNext + 1) % TRANSIT_WINDOW;
    const window = [...this.#transits].sort((a, b) => a - b);
    this.#fastestTransit = window[0];
    const spread = window[Math.min(window.length - 1, Math.ceil(window.length * 0.98) - 1)] - this.#fastestTransit;
    let wanted = Math.max(spread + this.config.frameMs / 2, this.#lateSpike);
    if (window.length < WARM_UP_FRAMES) wanted = Math.max(wanted, this.config.initialDelayMs);
    this.#targetDelay = Math.max(this.config.minDelayMs, Math.min(this.config.maxDelayMs, wanted));
    if (this.#started && this.#fastestTransit + this.#targetDelay > this.#offset) {
      this.#offset = this.#fastestTransit + this.#targetDelay;
    }
  }

  get size(): number {
    return this.#frames.size;
  }
}
