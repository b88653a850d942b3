// Media packets on the wire, the twin of Java's org.parley.media.packet (MediaPacket, MediaFrame's
// metadata and fragment) and client/calls/RelayMedia. Audio frames travel one per packet; a video
// frame (flags 2, and 1 for a key frame) is cut into fragments of at most VIDEO_MTU bytes, which
// FrameReassembler puts together again. All fields big-endian:
//
//  0  version          1 byte   (1)
//  1  flags            1 byte   (bit 0: key frame, bit 1: video; others must be 0)
//  2  call id         16 bytes
// 18  participant id   4 bytes  (unsigned)
// 22  stream id        1 byte   (0 = the participant's audio, 1.. = video or screen)
// 23  sequence         4 bytes  (unsigned; per stream, one per frame)
// 27  timestamp        8 bytes  (sender's capture time, ms since the epoch)
// 35  fragment index   2 bytes  (unsigned, below fragment count)
// 37  fragment count   2 bytes  (unsigned, 1..65535)
// 39  payload length   2 bytes  (unsigned; exactly the bytes that follow)
// 41  payload          this fragment's slice of the SFrame ciphertext
//
// Bytes 0..34 are the frame's SFrame metadata (RFC 9605 §4.4.3 authenticates them), so a relay
// that rewrote them would be detected.

export const VERSION = 1;
export const FLAG_KEY_FRAME = 1;
export const FLAG_VIDEO = 2;
const KNOWN_FLAGS = FLAG_KEY_FRAME | FLAG_VIDEO;
export const HEADER_BYTES = 41;
export const FRAME_HEADER_BYTES = 35;
export const CALL_ID_BYTES = 16;
/** Largest packet accepted: a UDP payload that fits an IPv4 datagram. */
export const MAX_PACKET_BYTES = 65_507;
/** Video packets stay below common path MTUs and the relay's 1400-byte datagrams, as Java's CallMedia.VIDEO_MTU. */
export const VIDEO_MTU = 1200;
/** Most fragments a frame may have (the field is 16 bits), as Java's MediaFrame.MAX_FRAGMENTS. */
export const MAX_FRAGMENTS = 0xffff;
/** Where a media packet's call id starts: after its version and flags bytes. */
const CALL_ID_AT = 2;

export class MediaPacketError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MediaPacketError";
  }
}

/** The frame-level header fields, shared by every fragment of a frame. */
export interface FrameFields {
  readonly flags: number;
  readonly callId: Uint8Array;
  readonly participantId: number;
  readonly streamId: number;
  readonly sequence: number;
  /** Sender's capture time, ms since the epoch (a signed 64-bit value on the wire). */
  readonly timestamp: bigint;
}

export interface MediaPacket extends FrameFields {
  readonly fragmentIndex: number;
  readonly fragmentCount: number;
  readonly payload: Uint8Array;
}

function isUnsigned(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max;
}

function checkFrameFields(f: FrameFields): void {
  if ((f.flags & ~KNOWN_FLAGS) !== 0 || !isUnsigned(f.flags, 0xff) || f.callId.length !== CALL_ID_BYTES ||
    !isUnsigned(f.participantId, 0xffffffff) || !isUnsigned(f.streamId, 0xff) || !isUnsigned(f.sequence, 0xffffffff)) {
    throw new RangeError(
      `media packet field out of range: flags ${f.flags}, call id ${f.callId.length} bytes, participant ` +
        `${f.participantId}, stream ${f.streamId}, sequence ${f.sequence}`,
    );
  }
}

function putFrameHeader(view: DataView, out: Uint8Array, f: FrameFields): void {
  view.setUint8(0, VERSION);
  view.setUint8(1, f.flags);
  out.set(f.callId, CALL_ID_AT);
  view.setUint32(18, f.participantId);
  view.setUint8(22, f.streamId);
  view.setUint32(23, f.sequence);
  view.setBigInt64(27, f.timestamp);
}

/** The frame-level header as bytes: the SFrame metadata when encrypting and decrypting the frame. */
export function frameMetadata(f: FrameFields): Uint8Array {
  checkFrameFields(f);
  const out = new Uint8Array(FRAME_HEADER_BYTES);
  putFrameHeader(new DataView(out.buffer), out, f);
  return out;
}

export function encodePacket(p: MediaPacket): Uint8Array {
  checkFrameFields(p);
  if (!isUnsigned(p.fragmentCount, 0xffff) || p.fragmentCount < 1 || !isUnsigned(p.fragmentIndex, p.fragmentCount - 1) ||
    p.payload.length > MAX_PACKET_BYTES - HEADER_BYTES) {
    throw new RangeError(`media packet fragment ${p.fragmentIndex}/${p.fragmentCount} with ${p.payload.length} payload bytes is out of range`);
  }
  const out = new Uint8Array(HEADER_BYTES + p.payload.length);
  const view = new DataView(out.buffer);
  putFrameHeader(view, out, p);
  view.setUint16(35, p.fragmentIndex);
  view.setUint16(37, p.fragmentCount);
  view.setUint16(39, p.payload.length);
  out.set(p.payload, HEADER_BYTES);
  return out;
}

/**
 * Splits one SFrame-encrypted frame into packets of at most `mtu` bytes each (header included),
 * exactly as Java's MediaFrame.fragment: equal slices in order, an empty frame as one empty fragment.
 */
export function fragmentFrame(fields: FrameFields, payload: Uint8Array, mtu: number = VIDEO_MTU): Uint8Array[] {
  const room = mtu - HEADER_BYTES;
  if (room < 1 || mtu > MAX_PACKET_BYTES) throw new RangeError(`MTU ${mtu} must be ${HEADER_BYTES + 1}..${MAX_PACKET_BYTES} bytes`);
  const count = Math.max(1, Math.ceil(payload.length / room));
  if (count > MAX_FRAGMENTS) {
    throw new RangeError(`a frame of ${payload.length} bytes needs ${count} fragments at MTU ${mtu}; at most ${MAX_FRAGMENTS} are possible`);
  }
  return Array.from({ length: count }, (_, i) =>
    encodePacket({ ...fields, fragmentIndex: i, fragmentCount: count, payload: payload.subarray(i * room, (i + 1) * room) }),
  );
}

/** Decodes exactly one packet; throws MediaPacketError for anything malformed. */
export function decodePacket(data: Uint8Array): MediaPacket {
  if (data.length > MAX_PACKET_BYTES) throw new MediaPacketError(`media packet of ${data.length} bytes exceeds ${MAX_PACKET_BYTES}`);
  if (data.length < HEADER_BYTES) {
    throw new MediaPacketError(`media packet truncated: ${data.length} bytes, header needs ${HEADER_BYTES}`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = view.getUint8(0);
  if (version !== VERSION) throw new MediaPacketError(`media packet version ${version} at byte 0; only ${VERSION} is known`);
  const flags = view.getUint8(1);
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    throw new MediaPacketError(`media packet flags 0x${flags.toString(16)} at byte 1 set unknown bits`);
  }
  const fragmentIndex = view.getUint16(35);
  const fragmentCount = view.getUint16(37);
  if (fragmentCount === 0 || fragmentIndex >= fragmentCount) {
    throw new MediaPacketError(
      `media packet fragment ${fragmentIndex} of ${fragmentCount} at byte 35: the index must be below a non-zero count`,
    );
  }
  const payloadLength = view.getUint16(39);
  if (payloadLength !== data.length - HEADER_BYTES) {
    throw new MediaPacketError(
      `media packet payload length ${payloadLength} at byte 39, but ${data.length - HEADER_BYTES} bytes follow the header`,
    );
  }
  return {
    flags,
    callId: data.slice(CALL_ID_AT, CALL_ID_AT + CALL_ID_BYTES),
    participantId: view.getUint32(18),
    streamId: view.getUint8(22),
    sequence: view.getUint32(23),
    timestamp: view.getBigInt64(27),
    fragmentIndex,
    fragmentCount,
    payload: data.slice(HEADER_BYTES),
  };
}

/**
 * A media packet as it goes through the relay: without its call id (issue 13, Java RelayMedia),
 * so that no relayed datagram names the call. The call id stays in the SFrame metadata, so a
 * packet moved into another call still fails to decrypt there.
 */
export function stripCallId(packet: Uint8Array, callId: Uint8Array): Uint8Array {
  const named = packet.subarray(CALL_ID_AT, CALL_ID_AT + CALL_ID_BYTES);
  if (packet.length < HEADER_BYTES || named.length !== callId.length || named.some((b, i) => b !== callId[i])) {
    throw new RangeError(`not a media packet of this call (${packet.length} bytes)`);
  }
  const out = new Uint8Array(packet.length - CALL_ID_BYTES);
  out.set(packet.subarray(0, CALL_ID_AT));
  out.set(packet.subarray(CALL_ID_AT + CALL_ID_BYTES), CALL_ID_AT);
  return out;
}

/** The media packet of relayed bytes with this call's id put back; undefined if too short to be one. */
export function restoreCallId(relayed: Uint8Array, callId: Uint8Array): Uint8Array | undefined {
  if (relayed.length < HEADER_BYTES - CALL_ID_BYTES) return undefined;
  const out = new Uint8Array(relayed.length + CALL_ID_BYTES);
  out.set(relayed.subarray(0, CALL_ID_AT));
  out.set(callId, CALL_ID_AT);
  out.set(relayed.subarray(CALL_ID_AT), CALL_ID_AT + CALL_ID_BYTES);
  return out;
}
