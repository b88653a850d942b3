// The media of one call on this device, the twin of Java's CallMedia for audio: Opus frames of
// 20 ms at 48 kHz mono, each SFrame-encrypted (RFC 9605) under this member's key of the group's
// current epoch (CallKeys) with its packet header fields as metadata, in one media packet each
// through the relay (RelayLink). Received audio goes through a jitter buffer per sender and out
// in order, a missing frame as a gap the sink fills. The codec and the devices are the sink's and
// the source's business (webcodecs.ts in the browser), so this part is the same in every runtime.
import type { CallChannel, Session } from "../contracts";
import { CallKeys } from "./call-keys";
import { JitterBuffer } from "./jitter";
import { MediaPacketError, decodePacket, encodePacket, frameMetadata } from "./packet";
import { RelayLink } from "./relay";
import { WebTransportMedia } from "./webtransport";

const AUDIO_STREAM = 0;
const PLAYOUT_TICK_MS = 5;
/** Most senders heard at once; frames of further participant ids are dropped. */
const MAX_SENDERS = 64;
/** Sequence numbers are 32-bit on the wire. */
const SEQUENCE_MODULUS = 2 ** 32;

/** Where played-out audio goes: an Opus frame of a sender, or undefined for a frame that never came. */
export interface AudioSink {
  play(participantId: number, opus: Uint8Array | undefined): void;
}

export class CallMedia {
  readonly #keys: CallKeys;
  readonly #receivers = new Map<number, JitterBuffer>();
  #link: RelayLink | undefined;
  #datagrams: WebTransportMedia | undefined;
  #sequence = 0;
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
    // Datagrams when the server offers WebTransport and it works; the WebSocket (joined above) otherwise.
    media.#datagrams = await WebTransportMedia.open(session, callId, (packet) => void media.#received(packet), () => {
      media.#datagrams = undefined;
      media.#link?.rejoin();
    }).catch(() => undefined);
    media.#ticker = setInterval(() => media.#playOut(), PLAYOUT_TICK_MS);
    return media;
  }

  /** Sends one Opus frame (20 ms); frames are numbered in the order this is called. */
  async sendOpus(opus: Uint8Array): Promise<void> {
    const link = this.#link;
    if (this.#closed || !link) return;
    const sequence = this.#sequence;
    this.#sequence = (this.#sequence + 1) % SEQUENCE_MODULUS;
    // The participant id is read once per frame: a re-join may change it, and the metadata must match the header.
    const fields = { flags: 0, callId: this.callId, participantId: link.participantId, streamId: AUDIO_STREAM, sequence, timestamp: BigInt(Date.now()) };
    let ciphertext: Uint8Array;
    try {
      ciphertext = await this.#keys.seal(frameMetadata(fields), opus);
    } catch {
      // No key now (the conversation is being re-keyed or was left): this frame is dropped, the next one tries again, as in Java.
      return;
    }
    if (this.#closed) return;
    // A frame that finds the connection down is dropped: late audio is worthless.
    const packet = encodePacket({ ...fields, fragmentIndex: 0, fragmentCount: 1, payload: ciphertext });
    if (!this.#datagrams?.send(packet)) link.send(packet);
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
    // Audio only: video in Parley's Java client is synthetic test frames, which a browser has no use for.
    if (packet.streamId !== AUDIO_STREAM || packet.flags !== 0 || packet.fragmentCount !== 1) return;
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

  #playOut(): void {
    const now = Math.round(performance.now());
    for (const [sender, jitter] of this.#receivers) {
      for (let next = jitter.poll(now); next; next = jitter.poll(now)) this.sink.play(sender, next.payload);
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#ticker);
    this.#datagrams?.close();
    this.#link?.close();
  }
}
