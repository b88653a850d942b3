// Port of protocol Padding.java: payload sizes padded to Padmé buckets (Nikitin et al., "Reducing
// Metadata Leakage from Encrypted Files and Communication with PURBs", PETS 2019, section 4), content
// framed as ISO/IEC 7816-4 does: content || 0x80 || 0x00... up to the bucket, never under 256 bytes.

/** Every padded payload is at least this long: short texts, receipts and reactions look alike. */
export const MIN_PADDED_BYTES = 256;
/** Padded lengths stay within what a JavaScript array can hold (Java's limit is Integer.MAX_VALUE - 8). */
const MAX_PADDED_BYTES = 2 ** 31 - 9;

/** Padmé's bucket: the smallest allowed length not below `length` (only the top floor(log2 E) + 1 bits may be set). */
export function padme(length: number): number {
  if (!Number.isInteger(length) || length < 0 || length > 0x7fffffff) throw new RangeError(`not a payload length: ${length}`);
  if (length < 2) return length;
  const e = 31 - Math.clz32(length); // floor(log2 L)
  const s = 32 - Math.clz32(e); // floor(log2 E) + 1
  const lastBits = e - s;
  const unit = 2 ** lastBits;
  return Math.ceil(length / unit) * unit;
}

/** The padded length of `contentLength` bytes of content (the 0x80 marker included). */
export function paddedLength(contentLength: number): number {
  const padded = Math.max(MIN_PADDED_BYTES, padme(contentLength + 1));
  if (padded > MAX_PADDED_BYTES) throw new RangeError(`content of ${contentLength} bytes is too long to pad`);
  return padded;
}

/** content || 0x80 || zeros, to paddedLength. */
export function pad(content: Uint8Array): Uint8Array {
  const padded = new Uint8Array(paddedLength(content.length));
  padded.set(content);
  padded[content.length] = 0x80;
  return padded;
}

/** The content of a padded payload; throws when there is no 0x80 marker or the length is not the bucket. */
export function unpad(padded: Uint8Array): Uint8Array {
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== 0x80) throw new Error("not a padded payload: no 0x80 marker after the content");
  if (paddedLength(end) !== padded.length) {
    throw new Error(`a padded payload of ${padded.length} bytes is not the bucket for ${end} bytes of content`);
  }
  return padded.slice(0, end);
}
