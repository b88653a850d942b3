// WebCrypto's TypeScript types take only ArrayBuffer-backed views; bytes from IndexedDB, protobuf
// or noble are typed ArrayBufferLike. This gives an ArrayBuffer-backed view (copying only if needed).
export function bufferOf(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
