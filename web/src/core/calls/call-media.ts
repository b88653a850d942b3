// The media of one call on this device, the twin of Java's CallMedia: Opus frames of 20 ms at
// 48 kHz mono, and encoded video frames, each SFrame-encrypted (RFC 9605) under this member's key
// of the group's current epoch (CallKeys) with its packet header fields as metadata, through the
// relay (RelayLink): audio one packet per frame on stream 0, video on stream 1 cut into fragments
// of VIDEO_MTU bytes with the video flag (and the key-frame flag). Received audio goes through a
// jitter buffer per sender and out in order, a missing frame as a gap the sink fills; received
// video is reassembled (bounded, as Java's VideoReception), decrypted, counted per sender and
// handed on. Codecs and devices are the sink's and the source's business (webcodecs.ts and
// video.ts in the browser), so this part is the same in every runtime.
import type { CallChannel, Session } from "../contracts";
import { CallKeys } from "./call-keys";
import { JitterBuffer } from "./jitter";
import { FLAG_KEY_FRAME, FLAG_VIDEO, type MediaPacket, MediaPacketError, decodePacket, encodePacket, fragmentFrame, frameMetadata } from "./packet";
import { FrameReassembler } from "./reassembler";
import { RelayLink } from "./relay";

const AUDIO_STREAM = 0;
const VIDEO_STREAM = 1;
const PLAYOUT_TICK_MS = 5;
/** Most senders heard at once; frames of further participant ids are dropped. */
const MAX_SENDERS = 64;
/** Sequence numbers are 32-bit on the wire. */
const SEQUENCE_MODULUS = 2 ** 32;

/** Where played-out audio goes: an Opus frame of a sender, or undefined for a frame that never came. */
export interface AudioSink {
  play(participantId: number, opus: Uint8Array | undefined): void;
}

/** A video frame another participant sent, reassembled and decrypted; `sender` names its MLS member. */
export interface ReceivedVideo {
  readonly participantId: number;
  readonly sequence: number;
  readonly keyFrame: boolean;
  /** The sender's capture time, ms since the epoch. */
  readonly timestamp: bigint;
  readonly data: Uint8Array;
  readonly sender: string | undefined;
}

/** Video of others that arrived whole and decrypted, and frames missing between them, as Java's VideoReception.Totals. */
export interface VideoTotals {
  received: number;
  lost: number;
}

export class CallMedia {
  readonly #keys: CallKeys;
  readonly #receivers = new Map<number, JitterBuffer>();
  readonly #reassembler = FrameReassembler.forCallVideo();
  /** Per video sender: the first and highest sequence seen and how many came whole. */
  readonly #videoSenders = new Map<number, { first: number; highest: number; received: number }>();
  #onVideo: ((frame: ReceivedVideo) => void) | undefined;
  #link: RelayLink | undefined;
  #sequence = 0;
  #videoSequence = 0;
  #videoFramesSent = 0;
  #ticker: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  private constructor(
    channel: CallChannel,
    conversationId: string,
    private readonly callId: Uint8Array,
    private readonly sink: AudioSink,
  ) {
    this.#keys = new CallKeys(channel, conversationId);
  }

  /** Keys the current epoch, joins the relay and starts playing out what arrives into sink. */
  static async join(session: Session, channel: CallChannel, conversationId: string, callId: Uint8Array, sink: AudioSink): Promise<CallMedia> {
    const media = new CallMedia(channel, conversationId, callId, sink);
    await media.#keys.rekeyIfEpochChanged();
    media.#link = await RelayLink.join(session, callId, (packet) => void media.#received(packet));
    media.#ticker = setInterval(() => media.#playOut(), PLAYOUT_TICK_MS);
    return media;
  }

  /** Where received video frames go; undefined for nowhere (they are still counted). */
  onVideo(listener: ((frame: ReceivedVideo) => void) | undefined): void {
    this.#onVideo = listener;
  }

  /** Sends one Opus frame (20 ms); frames are numbered in the order this is called. */
  async sendOpus(opus: Uint8Array): Promise<void> {
    const sequence = this.#sequence;
    this.#sequence = (this.#sequence + 1) % SEQUENCE_MODULUS;
    const sent = await this.#seal(0, AUDIO_STREAM, sequence, opus);
    // A frame that finds the connection down is dropped: late audio is worthless.
    if (sent) sent.link.send(encodePacket({ ...sent.fields, fragmentIndex: 0, fragmentCount: 1, payload: sent.ciphertext }));
  }

  /** Sends one encoded video frame in fragments; frames are numbered in the order this is called. */
  async sendVideo(frame: Uint8Array, keyFrame: boolean): Promise<void> {
    const sequence = this.#videoSequence;
    this.#videoSequence = (this.#videoSequence + 1) % SEQUENCE_MODULUS;
    const sent = await this.#seal(FLAG_VIDEO | (keyFrame ? FLAG_KEY_FRAME : 0), VIDEO_STREAM, sequence, frame);
    if (!sent) return;
    for (const packet of fragmentFrame(sent.fields, sent.ciphertext)) sent.link.send(packet);
    this.#videoFramesSent++;
  }

  /** Encrypts a frame with its header fields as metadata; undefined when there is nothing to send it on, or no key. */
  async #seal(flags: number, streamId: number, sequence: number, plaintext: Uint8Array) {
    const link = this.#link;
    if (this.#closed || !link) return undefined;
    // The participant id is read once per frame: a re-join may change it, and the metadata must match the header.
    const fields = { flags, callId: this.callId, participantId: link.participantId, streamId, sequence, timestamp: BigInt(Date.now()) };
    let ciphertext: Uint8Array;
    try {
      ciphertext = await this.#keys.seal(frameMetadata(fields), plaintext);
    } catch {
      // No key now (the conversation is being re-keyed or was left): this frame is dropped, the next one tries again, as in Java.
      return undefined;
    }
    return this.#closed ? undefined : { link, fields, ciphertext };
  }

  async #received(bytes: Uint8Array): Promise<void> {
    let packet;
    try {
      packet = decodePacket(bytes);
    } catch (e) {
      // A malformed packet from the network is dropped, as Java's CallMedia does.
      if (!(e instanceof MediaPacketError)) throw e;
      return;
    }
    const link = this.#link;
    if (!link || packet.participantId === link.participantId) return;
    if ((packet.flags & FLAG_VIDEO) !== 0) {
      if (packet.streamId === VIDEO_STREAM) await this.#receivedVideo(packet);
      return;
    }
    if (packet.streamId !== AUDIO_STREAM || packet.fragmentCount !== 1) return;
    const opus = await this.#keys.open(frameMetadata(packet), packet.payload);
    if (!opus || this.#closed) return;
    let jitter = this.#receivers.get(packet.participantId);
    if (!jitter) {
      if (this.#receivers.size >= MAX_SENDERS) return;
      jitter = new JitterBuffer();
      this.#receivers.set(packet.participantId, jitter);
    }
    // Duplicates and frames after their turn are refused here: the media path's replay protection.
    jitter.offer(packet.sequence, opus, Math.round(performance.now()));
  }

  async #receivedVideo(packet: MediaPacket): Promise<void> {
    const frame = this.#reassembler.accept(packet);
    if (!frame) return;
    const data = await this.#keys.open(frameMetadata(frame), frame.payload);
    if (!data || this.#closed) return;
    let sender = this.#videoSenders.get(frame.participantId);
    if (!sender) {
      if (this.#videoSenders.size >= MAX_SENDERS) return;
      sender = { first: frame.sequence, highest: frame.sequence, received: 0 };
      this.#videoSenders.set(frame.participantId, sender);
    }
    sender.first = Math.min(sender.first, frame.sequence);
    sender.highest = Math.max(sender.highest, frame.sequence);
    sender.received++;
    this.#onVideo?.({
      participantId: frame.participantId,
      sequence: frame.sequence,
      keyFrame: (frame.flags & FLAG_KEY_FRAME) !== 0,
      timestamp: frame.timestamp,
      data,
      sender: this.#keys.senderName(frame.payload),
    });
  }

  /** Video frames this device sent. */
  get videoFramesSent(): number {
    return this.#videoFramesSent;
  }

  videoTotals(): VideoTotals {
    let received = 0;
    let lost = 0;
    for (const s of this.#videoSenders.values()) {
      received += s.received;
      lost += Math.max(0, s.highest - s.first + 1 - s.received);
    }
    return { received, lost };
  }

  #playOut(): void {
    const now = Math.round(performance.now());
    for (const [sender, jitter] of this.#receivers) {
      for (let next = jitter.poll(now); next; next = jitter.poll(now)) this.sink.play(sender, next.payload);
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#ticker);
    this.#link?.close();
  }
}
