// SFrame keys and the key store with encryption and decryption (RFC 9605 §4.4), the twins of
// Java's SFrameKey and SFrameContext. Each KID is registered for sending or for receiving, never
// both (§4.4.1); a sending KID carries its next CTR, which only moves forward so that no
// (key, nonce) pair is ever used twice.
import { concat, utf8 } from "../../bytes";
import { SFrameError, decodeHeader, encodeHeader } from "./header";
import { type AeadKey, type SFrameCipherSuite, hkdfExpand, hkdfExtract, importAeadKey } from "./suite";

export class UnknownKeyIdError extends SFrameError {
  constructor(readonly kid: bigint) {
    super(`no SFrame key for KID ${kid}`);
    this.name = "UnknownKeyIdError";
  }
}

const KEY_LABEL = utf8("SFrame 1.0 Secret key ");
const SALT_LABEL = utf8("SFrame 1.0 Secret salt ");
const U64_MAX = (1n << 64n) - 1n;

/** label || KID as 8 bytes big-endian || cipher suite as 2 bytes big-endian (§4.4.2). */
export function keyLabel(prefix: "key" | "salt", kid: bigint, suite: SFrameCipherSuite): Uint8Array {
  const tail = new DataView(new ArrayBuffer(10));
  tail.setBigUint64(0, kid);
  tail.setUint16(8, suite.id);
  return concat(prefix === "key" ? KEY_LABEL : SALT_LABEL, new Uint8Array(tail.buffer));
}

/** derive_key_salt of §4.4.2: sframe_secret, sframe_key and sframe_salt of one KID. */
export function deriveKeySalt(suite: SFrameCipherSuite, kid: bigint, baseKey: Uint8Array) {
  const secret = hkdfExtract(suite, new Uint8Array(0), baseKey);
  return {
    secret,
    key: hkdfExpand(suite, secret, keyLabel("key", kid, suite), suite.nk),
    salt: hkdfExpand(suite, secret, keyLabel("salt", kid, suite), suite.nn),
  };
}

/** The key and salt of one KID, the key inside WebCrypto. Holds secrets: never prints them. */
export class SFrameKey {
  readonly #aead: AeadKey;
  readonly #salt: Uint8Array;

  private constructor(
    readonly suite: SFrameCipherSuite,
    readonly kid: bigint,
    aead: AeadKey,
    salt: Uint8Array,
  ) {
    this.#aead = aead;
    this.#salt = salt;
  }

  static async derive(suite: SFrameCipherSuite, kid: bigint, baseKey: Uint8Array): Promise<SFrameKey> {
    const { key, salt } = deriveKeySalt(suite, kid, baseKey);
    return new SFrameKey(suite, kid, await importAeadKey(suite, key), salt);
  }

  /** nonce = sframe_salt XOR CTR encoded big-endian in Nn bytes (§4.4.3). */
  nonce(ctr: bigint): Uint8Array {
    const nonce = this.#salt.slice();
    for (let i = 0; i < 8; i++) nonce[nonce.length - 1 - i] ^= Number((ctr >> BigInt(8 * i)) & 0xffn);
    return nonce;
  }

  /** encrypt() of §4.4.3 with an explicit counter: header || AEAD.Encrypt(key, nonce, header || metadata, pt). */
  async encrypt(ctr: bigint, metadata: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    const header = encodeHeader(this.kid, ctr);
    return concat(header, await this.#aead.seal(this.nonce(ctr), concat(header, metadata), plaintext));
  }

  /** decrypt() of §4.4.4 once the header named this key. */
  async decrypt(ctr: bigint, headerLength: number, metadata: Uint8Array, frame: Uint8Array): Promise<Uint8Array> {
    const header = frame.subarray(0, headerLength);
    return this.#aead.open(this.nonce(ctr), concat(header, metadata), frame.subarray(headerLength));
  }

  toString(): string {
    return `SFrameKey[suite=${this.suite.name}, kid=${this.kid}, secret=<hidden>]`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** A key store for one media pipeline (§4.4). */
export class SFrameContext {
  readonly #send = new Map<bigint, { key: SFrameKey; nextCtr: bigint }>();
  readonly #receive = new Map<bigint, SFrameKey>();

  constructor(readonly suite: SFrameCipherSuite) {}

  /** Registers a derived key for encryption, starting at CTR 0. */
  addSendKey(key: SFrameKey): void {
    this.#requireUnused(key);
    this.#send.set(key.kid, { key, nextCtr: 0n });
  }

  /** Registers a derived key for decryption. */
  addReceiveKey(key: SFrameKey): void {
    this.#requireUnused(key);
    this.#receive.set(key.kid, key);
  }

  /** Forgets a KID, for example the keys of an epoch that ended. */
  removeKey(kid: bigint): void {
    this.#send.delete(kid);
    this.#receive.delete(kid);
  }

  #requireUnused(key: SFrameKey): void {
    if (key.suite !== this.suite) throw new RangeError(`a ${key.suite.name} key in a ${this.suite.name} context`);
    if (this.#send.has(key.kid) || this.#receive.has(key.kid)) throw new RangeError(`KID ${key.kid} already has a key`);
  }

  /** encrypt() of §4.4.3 with the KID's next counter, taken before anything awaits. */
  encrypt(kid: bigint, metadata: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    const sending = this.#send.get(kid);
    if (!sending) throw new RangeError(`KID ${kid} is not a sending key`);
    if (sending.nextCtr > U64_MAX) throw new RangeError(`KID ${kid} has used every counter; rotate the key`);
    const ctr = sending.nextCtr++;
    return sending.key.encrypt(ctr, metadata, plaintext);
  }

  /** decrypt() of §4.4.4; rejects with SFrameError (UnknownKeyIdError for a KID without a key). */
  async decrypt(metadata: Uint8Array, frame: Uint8Array): Promise<Uint8Array> {
    const header = decodeHeader(frame);
    const key = this.#receive.get(header.kid);
    if (!key) throw new UnknownKeyIdError(header.kid);
    return key.decrypt(header.ctr, header.length, metadata, frame);
  }

  toString(): string {
    return `SFrameContext[suite=${this.suite.name}, send=${this.#send.size}, receive=${this.#receive.size}]`;
  }
}
