// One WebSocket to a Parley server (port of net/Connection.java): binary frames, each one
// ClientFrame or ServerFrame (parley.proto, header). Requests are matched to answers by request_id;
// frames with request id 0 are pushes, handed on in arrival order. The first frame must be the
// server's Challenge. A frame that does not parse, is too large, or answers no pending request is
// reported and dropped: one bad frame must not take the connection, or the app, down.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ClientFrameSchema, ErrorCode, ServerFrameSchema, type ServerFrame } from "../../gen/parley/v1/parley_pb";
import { ServerError, type ClientBody } from "../contracts";
import type { ServerClaims } from "./announcement";
import { CoreError } from "./errors";
import { TunnelError, TunnelSocket, type TunnelRoute } from "./tunnel";

/** What a Connection runs over: a WebSocket to the server, or a TunnelSocket through a bridge. */
interface FrameSocket {
  binaryType: BinaryType;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(): void;
  addEventListener(type: string, listener: (event: Event) => void): void;
}

/** Auth.CHALLENGE_LENGTH. */
export const CHALLENGE_BYTES = 32;
/** Largest ServerFrame accepted: Limits.MAX_CLIENT_FRAME_BYTES, a full payload plus envelope fields. */
export const MAX_SERVER_FRAME_BYTES = 256 * 1024 + 64 * 1024;
export const DEFAULT_TIMEOUT_MS = 15_000;

export interface ConnectionListeners {
  /** Every frame with request id 0 after the Challenge. */
  push(frame: ServerFrame): void;
  /** Once, when the connection ended for whatever reason. */
  closed(reason: string): void;
  /** A frame the server should not have sent, dropped; for a notice, never for control flow. */
  problem(message: string): void;
}

interface Pending {
  resolve(frame: ServerFrame): void;
  reject(error: ServerError): void;
  timer: ReturnType<typeof setTimeout>;
}

/** The ServerError for an Error frame: the code's name, the server's text, its retry hint. */
export function serverErrorOf(frame: ServerFrame): ServerError | undefined {
  if (frame.body.case !== "error") return undefined;
  const error = frame.body.value;
  const code = ErrorCode[error.code] ?? `ERROR_${error.code}`;
  const retry = Number(error.retryAfterMs);
  return new ServerError(code, error.message || code, retry > 0 ? retry : undefined);
}

type BodyValue<K> = Extract<ServerFrame["body"], { case: K }> extends { value: infer V } ? V : never;

/** The answer's body when it is of the expected kind; a clear error when the server answered something else. */
export function answerOf<K extends NonNullable<ServerFrame["body"]["case"]>>(frame: ServerFrame, kind: K): BodyValue<K> {
  if (frame.body.case !== kind) {
    throw new ServerError("UNEXPECTED_ANSWER", `the server answered with ${frame.body.case ?? "nothing"} instead of ${kind}; is it a Parley server?`);
  }
  return frame.body.value as BodyValue<K>;
}

export function unavailable(message: string): ServerError {
  return new ServerError("UNAVAILABLE", message);
}

export class Connection {
  private nextRequestId = 0n;
  private readonly pending = new Map<bigint, Pending>();
  private ended = false;

  /** The Challenge's nonce, which sign-in signs. */
  readonly challenge: Uint8Array;

  private constructor(
    private readonly socket: FrameSocket,
    /** What the Challenge says of the server: its key and signed announcement, checked by the caller before signing anything. */
    readonly claims: ServerClaims & { nonce: Uint8Array },
    private readonly listeners: ConnectionListeners,
  ) {
    this.challenge = claims.nonce;
  }

  /**
   * Connects to a server's WebSocket URL, or through a bridge's tunnel, and waits for the server's
   * Challenge. Rejects with ServerError UNAVAILABLE when the server cannot be reached or does not act
   * like Parley, and with CoreError SERVER_KEY_CHANGED when a bridge leads to a server without the expected key.
   */
  static async open(target: string | TunnelRoute, listeners: ConnectionListeners, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Connection> {
    if (typeof target === "string") return Connection.over(target, () => new WebSocket(target), listeners, timeoutMs);
    const started = Date.now();
    let tunnel: TunnelSocket;
    try {
      tunnel = await TunnelSocket.open(target, timeoutMs);
    } catch (e) {
      // A bridge to another server is what a changed server key is on a direct connection.
      if (e instanceof TunnelError && e.wrongServer) throw new CoreError("SERVER_KEY_CHANGED", `${e.message}; this may be an attacker's server, and this device did not sign in there`);
      throw unavailable((e as Error).message);
    }
    return Connection.over(`the bridge at ${new URL(target.url).host}`, () => tunnel, listeners, Math.max(1, timeoutMs - (Date.now() - started)));
  }

  /** Waits on `dial`'s socket for the server's Challenge; `where` names the server or bridge in messages. */
  private static over(where: string, dial: () => FrameSocket, listeners: ConnectionListeners, timeoutMs: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      let socket: FrameSocket;
      try {
        socket = dial();
      } catch (e) {
        reject(unavailable(`cannot reach the Parley server at ${where} (${(e as Error).message})`));
        return;
      }
      socket.binaryType = "arraybuffer";
      let connection: Connection | undefined;
      const fail = (why: string) => {
        clearTimeout(timer);
        if (!connection) {
          reject(unavailable(why));
          socket.close();
        }
      };
      const timer = setTimeout(
        () => fail(`the server at ${where} did not answer within ${Math.round(timeoutMs / 1000)} s; check that it is a Parley server and that it is running`),
        timeoutMs,
      );
      socket.addEventListener("message", (event: Event) => {
        const data = (event as MessageEvent).data;
        if (connection) {
          connection.receive(data);
          return;
        }
        const frame = parse(data);
        if (typeof frame === "string" || frame.body.case !== "challenge" || frame.body.value.nonce.length !== CHALLENGE_BYTES) {
          fail(`the server at ${where} did not start with a Parley challenge; is it a Parley server?`);
          return;
        }
        clearTimeout(timer);
        connection = new Connection(socket, frame.body.value, listeners);
        resolve(connection);
      });
      socket.addEventListener("error", () => fail(`cannot reach the Parley server at ${where}; check the URL and that the server is running`));
      socket.addEventListener("close", (event: Event) => {
        const { code, reason } = event as CloseEvent;
        if (connection) connection.end(reason || `closed (code ${code})`);
        else fail(reason ? `${where}: ${reason}` : `the server at ${where} closed the connection before it was ready`);
      });
    });
  }

  get open(): boolean {
    return !this.ended && this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends one frame and resolves with the answer of the same request id; an Error answer rejects. */
  request(body: ClientBody, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ServerFrame> {
    if (!this.open) return Promise.reject(unavailable("the connection to the server dropped"));
    const id = ++this.nextRequestId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(unavailable(`the server did not answer within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.socket.send(toBinary(ClientFrameSchema, create(ClientFrameSchema, { requestId: id, body })));
      } catch (e) {
        this.settle(id)?.reject(unavailable(`the connection dropped while sending (${(e as Error).message})`));
      }
    });
  }

  /** Sends a frame that expects no answer (request id 0: an Ack, call media); false when not connected. */
  post(body: ClientBody): boolean {
    if (!this.open) return false;
    this.socket.send(toBinary(ClientFrameSchema, create(ClientFrameSchema, { requestId: 0n, body })));
    return true;
  }

  close(): void {
    this.socket.close();
    this.end("closed by this device");
  }

  private receive(data: unknown): void {
    const frame = parse(data);
    if (typeof frame === "string") {
      this.listeners.problem(frame);
      return;
    }
    if (frame.requestId === 0n) {
      this.listeners.push(frame);
      return;
    }
    const request = this.settle(frame.requestId);
    if (!request) {
      this.listeners.problem(`the server answered request ${frame.requestId}, which this device did not make or no longer waits for (ignored)`);
      return;
    }
    const error = serverErrorOf(frame);
    if (error) request.reject(error);
    else request.resolve(frame);
  }

  private settle(id: bigint): Pending | undefined {
    const request = this.pending.get(id);
    if (request) {
      clearTimeout(request.timer);
      this.pending.delete(id);
    }
    return request;
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(unavailable("the connection to the server dropped"));
    this.listeners.closed(reason);
  }
}

/** A ServerFrame, or why these bytes are not one. */
function parse(data: unknown): ServerFrame | string {
  if (!(data instanceof ArrayBuffer)) return "the server sent a text frame where only binary frames belong (ignored)";
  if (data.byteLength > MAX_SERVER_FRAME_BYTES) {
    return `the server sent a frame of ${data.byteLength} bytes, above the limit of ${MAX_SERVER_FRAME_BYTES} (ignored)`;
  }
  try {
    return fromBinary(ServerFrameSchema, new Uint8Array(data));
  } catch {
    return "the server sent a frame that is not a ServerFrame (ignored)";
  }
}
