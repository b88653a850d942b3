// The SFrame header (RFC 9605 §4.3): a config byte X|K|Y|C, then KID and CTR, each either inline
// in 3 bits (values 0-7) or as a minimal big-endian integer of 1-8 bytes. KID and CTR are
// unsigned 64-bit values, held as bigint. The twin of Java's org.parley.media.sframe.SFrameHeader.

export class SFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SFrameError";
  }
}

const U64_MAX = (1n << 64n) - 1n;

export interface SFrameHeader {
  readonly kid: bigint;
  readonly ctr: bigint;
  /** Bytes the header occupies when encoded. */
  readonly length: number;
}

/** Bytes a value needs after the config byte: 0 when it fits the 3-bit inline field. */
function extraBytes(value: bigint): number {
  if (value < 8n) return 0;
  return Math.ceil(value.toString(2).length / 8);
}

function requireU64(value: bigint, field: string): void {
  if (value < 0n || value > U64_MAX) throw new RangeError(`SFrame ${field} ${value} is not an unsigned 64-bit value`);
}

export function headerOf(kid: bigint, ctr: bigint): SFrameHeader {
  requireU64(kid, "KID");
  requireU64(ctr, "CTR");
  return { kid, ctr, length: 1 + extraBytes(kid) + extraBytes(ctr) };
}

export function encodeHeader(kid: bigint, ctr: bigint): Uint8Array {
  const header = headerOf(kid, ctr);
  const out = new Uint8Array(header.length);
  const kidLength = extraBytes(kid);
  const ctrLength = extraBytes(ctr);
  let config = kidLength === 0 ? Number(kid) << 4 : 0x80 | ((kidLength - 1) << 4);
  config |= ctrLength === 0 ? Number(ctr) : 0x08 | (ctrLength - 1);
  out[0] = config;
  writeBigEndian(out, 1, kid, kidLength);
  writeBigEndian(out, 1 + kidLength, ctr, ctrLength);
  return out;
}

function writeBigEndian(out: Uint8Array, at: number, value: bigint, length: number): void {
  for (let i = length - 1; i >= 0; i--) out[at++] = Number((value >> BigInt(8 * i)) & 0xffn);
}

/** Parses the header at the start of `frame`; the rest of the frame is not examined. */
export function decodeHeader(frame: Uint8Array): SFrameHeader {
  if (frame.length < 1) throw new SFrameError("SFrame ciphertext is empty: no header");
  const config = frame[0];
  let at = 1;
  let kid = BigInt((config >> 4) & 0x07);
  if (config & 0x80) {
    const length = Number(kid) + 1;
    kid = readBigEndian(frame, at, length, "KID");
    at += length;
  }
  let ctr = BigInt(config & 0x07);
  if (config & 0x08) {
    const length = Number(ctr) + 1;
    ctr = readBigEndian(frame, at, length, "CTR");
    at += length;
  }
  return { kid, ctr, length: at };
}

function readBigEndian(frame: Uint8Array, at: number, length: number, field: string): bigint {
  if (frame.length - at < length) {
    throw new SFrameError(
      `SFrame header truncated: ${field} needs ${length} bytes, ${Math.max(0, frame.length - at)} present`,
    );
  }
  let value = 0n;
  for (let i = 0; i < length; i++) value = (value << 8n) | BigInt(frame[at + i]);
  return value;
}
