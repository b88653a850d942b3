// The tunnel (port of protocol/Tunnel.java, whose comment is the specification): a channel from
// this browser to its server, end to end, inside a WebSocket that a bridge (parley proxy) relays.
// The bridge sees records it cannot read or alter, their sizes and their timing; the server proves
// itself by signing both fresh X25519 key shares with the key the profile pinned (or the page names).
// TunnelSocket carries one session: the Connection over it is the same as over a WebSocket to the
// server. tunnelFetch carries one HTTP exchange with the attachment paths.
import { fromBinary, toBinary, create } from "@bufbuild/protobuf";
import { gcm } from "@noble/ciphers/aes.js";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { expand, extract } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { TunnelHttpHeadSchema } from "../../gen/parley/v1/parley_pb";
import { concat, utf8 } from "../bytes";

export const VERSION = 1;
export const PATH_SUFFIX = "/tunnel";
const SHARE_BYTES = 32;
const SIGNATURE_BYTES = 64;
export const CLIENT_HELLO_BYTES = 1 + SHARE_BYTES;
export const SERVER_HELLO_BYTES = 1 + SHARE_BYTES + SIGNATURE_BYTES;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const IV_BYTES = 12;

export const OPEN_SESSION = 1;
export const HTTP_HEAD = 2;
export const HTTP_BODY = 3;
export const HTTP_END = 4;
export const FRAME = 5;

/** Tunnel.MAX_BODY_RECORD_BYTES. */
export const MAX_BODY_RECORD_BYTES = 64 * 1024;
/** Tunnel.MAX_RECORD_BYTES: a FRAME with the largest client frame (Limits.MAX_CLIENT_FRAME_BYTES), sealed. */
const MAX_RECORD_BYTES = 1 + 256 * 1024 + 64 * 1024 + TAG_BYTES;
/** A response head larger than this is not one the server sends. */
const MAX_HEAD_BYTES = 8 * 1024;
/** Upload records wait while the WebSocket holds this much unsent. */
const UPLOAD_BUFFER_BYTES = 1024 * 1024;

const SIGNATURE_LABEL = utf8("parley-v1-tunnel");
const CLIENT_LABEL = utf8("parley-v1-tunnel client");
const SERVER_LABEL = utf8("parley-v1-tunnel server");

/** Why a tunnel failed: for the connection's error message. */
export class TunnelError extends Error {
  constructor(
    message: string,
    /** The answer was not signed by the server's key: the bridge leads to another server (or forges one). */
    readonly wrongServer = false,
  ) {
    super(message);
  }
}

/** One direction's key, IV and next sequence number (RFC 8446 section 5.3). */
export class Direction {
  private sequence = 0n;
  constructor(
    private readonly key: Uint8Array,
    private readonly iv: Uint8Array,
  ) {}

  nonce(): Uint8Array {
    const nonce = this.iv.slice();
    let sequence = this.sequence++;
    for (let i = IV_BYTES - 1; i >= IV_BYTES - 8; i--) {
      nonce[i] ^= Number(sequence & 0xffn);
      sequence >>= 8n;
    }
    return nonce;
  }

  seal(type: number, body: Uint8Array): Uint8Array {
    return gcm(this.key, this.nonce()).encrypt(concat(Uint8Array.of(type), body));
  }

  /** The record's plaintext (type, then body); throws TunnelError when it does not open. */
  open(record: Uint8Array): Uint8Array {
    if (record.length < 1 + TAG_BYTES || record.length > MAX_RECORD_BYTES) throw new TunnelError(`a tunnel record of ${record.length} bytes is out of bounds`);
    try {
      return gcm(this.key, this.nonce()).decrypt(record);
    } catch {
      throw new TunnelError("a tunnel record does not open (altered, or out of order)");
    }
  }
}

/** The client's keys once the server's hello checked out. */
export interface TunnelKeys {
  toServer: Direction;
  fromServer: Direction;
}

/** The client's side of the handshake; `secret` is for the known-answer test only. */
export class ClientHandshake {
  private readonly secret: Uint8Array;
  private readonly share: Uint8Array;

  constructor(secret: Uint8Array = x25519.utils.randomSecretKey()) {
    this.secret = secret;
    this.share = x25519.getPublicKey(secret);
  }

  hello(): Uint8Array {
    return concat(Uint8Array.of(VERSION), this.share);
  }

  /** Throws TunnelError when the hello is malformed or not signed by `serverKey`. */
  finish(serverHello: Uint8Array, serverKey: Uint8Array): TunnelKeys {
    if (serverHello.length !== SERVER_HELLO_BYTES || serverHello[0] !== VERSION) {
      throw new TunnelError(`the bridge answered with ${serverHello.length} bytes that are not the server's tunnel hello`);
    }
    const serverShare = serverHello.subarray(1, 1 + SHARE_BYTES);
    const signature = serverHello.subarray(1 + SHARE_BYTES);
    let signed = false;
    try {
      signed = ed25519.verify(signature, concat(SIGNATURE_LABEL, this.share, serverShare), serverKey, { zip215: false });
    } catch {
      signed = false; // a key or signature that does not decode
    }
    if (!signed) throw new TunnelError("the bridge does not lead to this app's server: its answer is not signed by the server's key", true);
    let shared: Uint8Array;
    try {
      shared = x25519.getSharedSecret(this.secret, serverShare);
    } catch {
      throw new TunnelError("the server's tunnel key share is not usable");
    }
    const { clientToServer, serverToClient } = directions(shared, this.share, serverShare);
    return { toServer: clientToServer, fromServer: serverToClient };
  }
}

/** Both directions' keys from the X25519 result and the two shares (Tunnel's key schedule). */
export function directions(shared: Uint8Array, clientShare: Uint8Array, serverShare: Uint8Array): { clientToServer: Direction; serverToClient: Direction } {
  const prk = extract(sha256, shared, concat(clientShare, serverShare));
  const direction = (label: Uint8Array) => {
    const keyAndIv = expand(sha256, prk, label, KEY_BYTES + IV_BYTES);
    return new Direction(keyAndIv.slice(0, KEY_BYTES), keyAndIv.slice(KEY_BYTES));
  };
  return { clientToServer: direction(CLIENT_LABEL), serverToClient: direction(SERVER_LABEL) };
}

/** What opens a tunnel: the bridge's WebSocket URL for it, and the server key it must find. */
export interface TunnelRoute {
  /** wss://BRIDGE:PORT/<ws path>/tunnel */
  url: string;
  serverKey: Uint8Array;
}

/**
 * Opens the WebSocket to the bridge and runs the handshake; resolves with the keys and the open
 * socket (binary frames), rejects with TunnelError.
 */
function handshake(route: TunnelRoute, timeoutMs: number): Promise<{ socket: WebSocket; keys: TunnelKeys }> {
  return new Promise((resolve, reject) => {
    let socket: WebSocket;
    try {
      socket = new WebSocket(route.url);
    } catch (e) {
      reject(new TunnelError(`cannot open the bridge's WebSocket ${route.url} (${(e as Error).message})`));
      return;
    }
    socket.binaryType = "arraybuffer";
    const client = new ClientHandshake();
    let done = false;
    const fail = (why: string, wrongServer = false) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      reject(new TunnelError(why, wrongServer));
    };
    const timer = setTimeout(() => fail(`the bridge at ${hostOf(route.url)} did not answer within ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
    socket.addEventListener("open", () => socket.send(client.hello()));
    socket.addEventListener("error", () =>
      fail(
        `cannot reach the bridge at ${hostOf(route.url)}: it may be down, or this browser may not accept its certificate (a bridge for browsers needs a certificate from a public authority)`,
      ),
    );
    socket.addEventListener("close", () => fail(`the bridge at ${hostOf(route.url)} closed the connection before the server answered`));
    socket.addEventListener(
      "message",
      (event: MessageEvent) => {
        if (done) return;
        if (!(event.data instanceof ArrayBuffer)) return fail("the bridge sent text where the server's tunnel hello belongs");
        try {
          const keys = client.finish(new Uint8Array(event.data), route.serverKey);
          done = true;
          clearTimeout(timer);
          resolve({ socket, keys });
        } catch (e) {
          fail(`the bridge at ${hostOf(route.url)}: ${(e as Error).message}`, e instanceof TunnelError && e.wrongServer);
        }
      },
      { once: true },
    );
  });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The close that a Connection sees when a tunnel ends: a WebSocket CloseEvent's two fields. */
class TunnelClose extends Event {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super("close");
  }
}

/**
 * One session through a bridge, shaped like the WebSocket a Connection uses (send, close,
 * readyState, and message/error/close events whose messages are ArrayBuffers): each ClientFrame
 * goes out as a FRAME record, each record in comes out as its ServerFrame.
 */
export class TunnelSocket extends EventTarget {
  binaryType: BinaryType = "arraybuffer";
  private ended = false;

  private constructor(
    private readonly socket: WebSocket,
    private readonly keys: TunnelKeys,
  ) {
    super();
    socket.addEventListener("message", (event: MessageEvent) => this.receive(event.data));
    socket.addEventListener("close", (event: CloseEvent) => this.end(event.code, event.reason || "the bridge closed the connection"));
  }

  /** Opens a tunnel and its session; rejects with TunnelError. */
  static async open(route: TunnelRoute, timeoutMs: number): Promise<TunnelSocket> {
    const { socket, keys } = await handshake(route, timeoutMs);
    const tunnel = new TunnelSocket(socket, keys);
    socket.send(keys.toServer.seal(OPEN_SESSION, new Uint8Array(0)));
    return tunnel;
  }

  get readyState(): number {
    return this.ended ? WebSocket.CLOSED : this.socket.readyState;
  }

  send(frame: Uint8Array): void {
    if (this.ended) throw new Error("the tunnel is closed");
    this.socket.send(this.keys.toServer.seal(FRAME, frame));
  }

  close(): void {
    this.socket.close();
    this.end(1000, "closed by this device");
  }

  private receive(data: unknown): void {
    if (this.ended) return;
    if (!(data instanceof ArrayBuffer)) return this.fail("the bridge sent a text frame into the tunnel");
    let plaintext: Uint8Array;
    try {
      plaintext = this.keys.fromServer.open(new Uint8Array(data));
    } catch (e) {
      return this.fail((e as Error).message);
    }
    if (plaintext[0] !== FRAME) return this.fail(`the server sent a tunnel record of type ${plaintext[0]} into a session`);
    const frame = plaintext.subarray(1);
    this.dispatchEvent(new MessageEvent("message", { data: frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) }));
  }

  /** A record that does not open ends the tunnel: every later one would fail too. */
  private fail(why: string): void {
    this.socket.close();
    this.end(1002, why);
  }

  private end(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.dispatchEvent(new TunnelClose(code, reason));
  }
}

export interface TunnelRequest {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

/**
 * One HTTP exchange with the server's attachment paths through a bridge, as fetch would answer it:
 * a Response whose body streams as the records arrive. Rejects with TunnelError when the tunnel
 * cannot be opened; the body errors when the tunnel ends before the response does.
 */
export async function tunnelFetch(route: TunnelRoute, request: TunnelRequest, timeoutMs: number, signal?: AbortSignal): Promise<Response> {
  const { socket, keys } = await handshake(route, timeoutMs);
  const abort = () => socket.close();
  signal?.addEventListener("abort", abort, { once: true });
  const head = create(TunnelHttpHeadSchema, {
    method: request.method,
    path: request.path,
    headers: Object.entries(request.headers).map(([name, value]) => ({ name, value })),
  });
  socket.send(keys.toServer.seal(HTTP_HEAD, toBinary(TunnelHttpHeadSchema, head)));
  const response = readResponse(socket, keys);
  const body = request.body ?? new Uint8Array(0);
  for (let at = 0; at < body.length; at += MAX_BODY_RECORD_BYTES) {
    while (socket.bufferedAmount > UPLOAD_BUFFER_BYTES && socket.readyState === WebSocket.OPEN) await new Promise((ok) => setTimeout(ok, 10));
    if (socket.readyState !== WebSocket.OPEN) break; // the response (an error, or the close) says why
    socket.send(keys.toServer.seal(HTTP_BODY, body.subarray(at, at + MAX_BODY_RECORD_BYTES)));
  }
  if (socket.readyState === WebSocket.OPEN) socket.send(keys.toServer.seal(HTTP_END, new Uint8Array(0)));
  return response.finally(() => signal?.removeEventListener("abort", abort));
}

/** The server's response: its head, then a body that streams HTTP_BODY records until HTTP_END. */
function readResponse(socket: WebSocket, keys: TunnelKeys): Promise<Response> {
  return new Promise((resolve, reject) => {
    let stream: ReadableStreamDefaultController<Uint8Array> | undefined;
    let finished = false;
    const fail = (why: string) => {
      if (finished) return;
      finished = true;
      socket.close();
      if (stream) stream.error(new TunnelError(why));
      else reject(new TunnelError(why));
    };
    socket.addEventListener("close", () => fail("the tunnel to the server closed before the whole answer arrived"));
    socket.addEventListener("message", (event: MessageEvent) => {
      if (finished) return;
      if (!(event.data instanceof ArrayBuffer)) return fail("the bridge sent a text frame into the tunnel");
      let plaintext: Uint8Array;
      try {
        plaintext = keys.fromServer.open(new Uint8Array(event.data));
      } catch (e) {
        return fail((e as Error).message);
      }
      const type = plaintext[0];
      const content = plaintext.subarray(1);
      if (!stream) {
        if (type !== HTTP_HEAD || content.length > MAX_HEAD_BYTES) return fail("the server's answer through the tunnel does not start with a head");
        let status: number;
        let headers: Headers;
        try {
          const parsed = fromBinary(TunnelHttpHeadSchema, content);
          status = parsed.status;
          headers = new Headers(parsed.headers.map((h) => [h.name, h.value] as [string, string]));
        } catch {
          return fail("the server's answer through the tunnel has a malformed head");
        }
        if (status < 200 || status > 599) return fail(`the server's answer through the tunnel has status ${status}`);
        const body = new ReadableStream<Uint8Array>({
          start: (controller) => {
            stream = controller;
          },
          cancel: () => {
            finished = true;
            socket.close();
          },
        });
        // A null-body status (204, 205, 304) takes no stream; the attachment paths send none of them.
        resolve(new Response([204, 205, 304].includes(status) ? null : body, { status, headers }));
      } else if (type === HTTP_BODY) {
        stream.enqueue(content.slice());
      } else if (type === HTTP_END) {
        finished = true;
        stream.close();
        socket.close();
      } else {
        fail(`the server sent a tunnel record of type ${type} inside an answer`);
      }
    });
  });
}
