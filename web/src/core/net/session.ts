// A device's lasting link to its server (port of net/Session.java): it connects, has its
// AddressBook check the server's Challenge (the pinned key, the signed announcement), answers it
// with Authenticate signed over "parley-v1-auth" || nonce (protocol Auth.java), and when the
// connection drops reconnects, signing in again each time. It dials the book's addresses in order,
// starting from the one that signed in last; a failure moves on to the next at once, and only after
// a whole round failed does it wait, with exponential back-off and full jitter. Requests made while
// disconnected wait for the next connection, up to their timeout.
// A Ping every KEEPALIVE_MS notices a connection that died silently. Without credentials the same
// link never signs in: that is the anonymous channel's transport (anonymous.ts).
import { create } from "@bufbuild/protobuf";
import { AuthenticateSchema, PingSchema, type ServerFrame } from "../../gen/parley/v1/parley_pb";
import type { ConnectionState } from "../api";
import { ServerError, type ClientBody, type Session } from "../contracts";
import { concat, utf8 } from "../bytes";
import type { ServerClaims } from "./announcement";
import { backoffDelayMs } from "./backoff";
import { dialTarget } from "./address";
import { Connection, DEFAULT_TIMEOUT_MS, unavailable, CHALLENGE_BYTES } from "./connection";
import { CoreError } from "./errors";

export const KEEPALIVE_MS = 25_000;
/** Pushes kept while nobody listens yet (the backlog the server pushes right after sign-in); beyond this the oldest go. */
const MAX_BUFFERED_PUSHES = 10_000;
const AUTH_LABEL = utf8("parley-v1-auth");

/** Auth.signedContent: the exact bytes an Ed25519 signature in Authenticate, Register or RequestLink covers. */
export function authSignedContent(challenge: Uint8Array): Uint8Array {
  if (challenge.length !== CHALLENGE_BYTES) throw new Error(`a challenge is ${CHALLENGE_BYTES} bytes, got ${challenge.length}`);
  return concat(AUTH_LABEL, challenge);
}

/** How a device proves who it is on a fresh connection. */
export interface Credentials {
  readonly accountId: Uint8Array;
  readonly deviceId: Uint8Array;
  signChallenge(challenge: Uint8Array): Uint8Array;
}

/**
 * The addresses a link may dial, in the profile's order, and what the link tells it while dialling
 * (net/AddressBook.java): which address signed in, and what each server says of itself before this
 * device signs anything for it.
 */
export interface AddressBook {
  /** The server URLs and bridge links to dial, in order; never empty. */
  endpoints(): string[];
  /** The server key pinned (empty before one is): what a tunnel through a bridge must find. */
  serverKey(): Uint8Array;
  /** The one that signed in last, where a round starts. */
  lastWorking(): string | undefined;
  /** Remembers the address that signed in. */
  worked(endpoint: string): void;
  /** An address that could not be reached or used in this round: for Settings to say so. */
  failed?(endpoint: string): void;
  /** Reads a fresh connection's Challenge; throws (a CoreError) when the connection must not be used. */
  checkServer(claims: ServerClaims): void;
  /** A connection was refused before this device signed anything: a bridge led to a server without the expected key. For a warning. */
  refused?(error: CoreError): void;
}

/**
 * One address (a server URL, its ws(s) URL, or a bridge link, checked against the key the page
 * names), nothing pinned or remembered: for connections made before a profile exists.
 */
export function oneAddress(serverUrl: string): AddressBook {
  return {
    endpoints: () => [serverUrl],
    serverKey: () => new Uint8Array(0),
    lastWorking: () => undefined,
    worked: () => undefined,
    checkServer: () => undefined,
  };
}

export interface LinkOptions {
  timeoutMs?: number;
  keepaliveMs?: number;
  /**
   * When the first attempt cannot reach the server, return a link that keeps trying (for a
   * profile whose server is known to be right: the app opens offline). A refusal still throws.
   */
  waitForServer?: boolean;
}

export class LastingLink implements Session {
  private current: Connection | undefined;
  private waiters: { resolve(c: Connection): void; reject(e: ServerError): void }[] = [];
  private failures = 0;
  /** retryNow came while a round was dialling (with the addresses as they were): the next round starts at once. */
  private retryAfterRound = false;
  private closing = false;
  private refused: ServerError | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private keepaliveTimer: ReturnType<typeof setInterval> | undefined;
  private stateNow: ConnectionState = "connecting";
  private readonly pushListeners = new Set<(frame: ServerFrame) => void>();
  /** Pushes that arrived before the first push listener: the server sends the mailbox right after sign-in. */
  private unheard: ServerFrame[] | undefined = [];
  private readonly online = () => this.retryNow();
  private readonly stateListeners = new Set<(state: ConnectionState, error?: string) => void>();
  private readonly problemListeners = new Set<(message: string) => void>();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly timeoutMs: number;
  private readonly keepaliveMs: number;
  /** The address that signed in last (where the next round starts), or undefined before any did. */
  private lastWorked: string | undefined;

  private constructor(
    private readonly addresses: AddressBook,
    private readonly credentials: Credentials | undefined,
    options: LinkOptions,
  ) {
    this.lastWorked = addresses.lastWorking();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.keepaliveMs = options.keepaliveMs ?? KEEPALIVE_MS;
    globalThis.addEventListener?.("online", this.online);
  }

  /**
   * Connects and signs in, trying each address once and failing when none works (a wrong URL or a
   * removed device should be reported, not retried forever); later drops are retried in the background.
   */
  static async open(addresses: AddressBook | string, credentials: Credentials | undefined, options: LinkOptions = {}): Promise<LastingLink> {
    const link = new LastingLink(typeof addresses === "string" ? oneAddress(addresses) : addresses, credentials, options);
    let first: Connection;
    try {
      first = await link.connectToAny();
    } catch (e) {
      const retryable = (e instanceof ServerError && e.code === "UNAVAILABLE") || e instanceof CoreError;
      if (!options.waitForServer || !retryable) {
        link.close();
        throw e;
      }
      link.setState("connecting", (e as Error).message);
      link.scheduleReconnect();
      return link;
    }
    link.adopt(first);
    return link;
  }

  get state(): ConnectionState {
    return this.stateNow;
  }

  /** The server URL or bridge link this link signs in through (or last did): where its attachments are too. */
  get endpoint(): string {
    return this.lastWorked ?? this.addresses.endpoints()[0];
  }

  async request(body: ClientBody, timeoutMs = this.timeoutMs): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    const connection = await this.connection(timeoutMs);
    return connection.request(body, Math.max(1, deadline - Date.now()));
  }

  /** Sends a frame that expects no answer; false, sending nothing, while disconnected. */
  post(body: ClientBody): boolean {
    return this.current?.post(body) ?? false;
  }

  onPush(listener: (frame: ServerFrame) => void): () => void {
    this.pushListeners.add(listener);
    const unheard = this.unheard;
    if (unheard) {
      this.unheard = undefined;
      // On the next turn, so that listeners registered together all hear the backlog, in order.
      queueMicrotask(() => unheard.forEach((frame) => this.forEach(this.pushListeners, (l) => l(frame))));
    }
    return () => this.pushListeners.delete(listener);
  }

  onState(listener: (state: ConnectionState, error?: string) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Frames the server should not have sent (dropped); for a notice to the user. */
  onProblem(listener: (message: string) => void): () => void {
    this.problemListeners.add(listener);
    return () => this.problemListeners.delete(listener);
  }

  /** Runs each time the link signed in again after a drop (what the server held for the old connection is gone). */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Closes the current connection as a network failure would; the link reconnects. For tests of recovery. */
  dropConnection(): void {
    this.current?.close();
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    globalThis.removeEventListener?.("online", this.online);
    clearTimeout(this.retryTimer);
    clearInterval(this.keepaliveTimer);
    this.current?.close();
    this.current = undefined;
    this.failWaiters(unavailable("the connection to the server is closed"));
    this.setState("offline");
  }

  private push(frame: ServerFrame): void {
    if (this.unheard) {
      if (this.unheard.length >= MAX_BUFFERED_PUSHES) this.unheard.shift();
      this.unheard.push(frame);
      return;
    }
    this.forEach(this.pushListeners, (l) => l(frame));
  }

  /**
   * While disconnected, tries again at once instead of waiting out the back-off: the browser says
   * the network is back, or the user added an address.
   */
  retryNow(): void {
    if (this.closing || this.refused || this.current) return;
    if (this.retryTimer === undefined) {
      this.retryAfterRound = true;
      return;
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.failures = 0;
    void this.reconnect();
  }

  private connection(timeoutMs: number): Promise<Connection> {
    if (this.current?.open) return Promise.resolve(this.current);
    if (this.closing) return Promise.reject(unavailable("the connection to the server is closed"));
    if (this.refused) return Promise.reject(this.refused);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (c: Connection) => {
          clearTimeout(timer);
          resolve(c);
        },
        reject: (e: ServerError) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(unavailable(`no connection to the server within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /**
   * One round over the addresses, from the one that signed in last: the first that signs in is
   * remembered and returned. A server that refuses this device ends the round (another address of
   * the same server would refuse it too); otherwise the round's most telling failure is thrown (a
   * changed server key over an unreachable address).
   */
  private async connectToAny(): Promise<Connection> {
    const round = this.addresses.endpoints();
    const start = this.lastWorked === undefined ? -1 : round.indexOf(this.lastWorked);
    if (start > 0) round.push(...round.splice(0, start));
    let failure: unknown;
    for (const endpoint of round) {
      if (this.closing) break;
      try {
        const connection = await this.connectAndSignIn(endpoint);
        this.lastWorked = endpoint;
        this.addresses.worked(endpoint);
        return connection;
      } catch (e) {
        if (e instanceof ServerError && e.code !== "UNAVAILABLE") throw e;
        this.addresses.failed?.(endpoint);
        if (!(failure instanceof CoreError)) failure = e;
      }
    }
    throw failure ?? unavailable("the connection to the server is closed");
  }

  private async connectAndSignIn(endpoint: string): Promise<Connection> {
    this.setState("connecting");
    let connection: Connection;
    try {
      connection = await Connection.open(
        dialTarget(endpoint, this.addresses.serverKey()),
        {
          push: (frame) => this.push(frame),
          closed: () => this.lost(connection),
          problem: (message) => this.forEach(this.problemListeners, (l) => l(message)),
        },
        this.timeoutMs,
      );
    } catch (e) {
      if (e instanceof CoreError) this.addresses.refused?.(e);
      throw e;
    }
    try {
      this.addresses.checkServer(connection.claims);
    } catch (e) {
      connection.close();
      throw e;
    }
    if (this.credentials) {
      try {
        await connection.request(
          {
            case: "authenticate",
            value: create(AuthenticateSchema, {
              accountId: this.credentials.accountId,
              deviceId: this.credentials.deviceId,
              signature: this.credentials.signChallenge(connection.challenge),
            }),
          },
          this.timeoutMs,
        );
      } catch (e) {
        connection.close();
        throw e;
      }
    }
    return connection;
  }

  private adopt(connection: Connection): void {
    if (this.closing) {
      connection.close();
      return;
    }
    this.current = connection;
    this.failures = 0;
    this.retryAfterRound = false;
    this.setState("online");
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w.resolve(connection);
    clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = setInterval(() => this.keepalive(connection), this.keepaliveMs);
  }

  /** A Ping that finds no answer means the connection died without a close: drop it and reconnect. */
  private keepalive(connection: Connection): void {
    if (connection !== this.current || !connection.open) return;
    connection.request({ case: "ping", value: create(PingSchema) }, this.timeoutMs).catch(() => {
      if (connection === this.current) connection.close();
    });
  }

  private lost(connection: Connection): void {
    if (connection !== this.current || this.closing) return;
    this.current = undefined;
    clearInterval(this.keepaliveTimer);
    this.setState("connecting", "the connection to the server dropped; reconnecting");
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    // retryNow during the round that just failed: the next round at once, from a fresh back-off.
    const now = this.retryAfterRound;
    this.retryAfterRound = false;
    if (now) this.failures = 0;
    const delay = now ? 0 : backoffDelayMs(this.failures++, Math.random());
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.reconnect();
    }, delay);
  }

  private async reconnect(): Promise<void> {
    if (this.closing) return;
    try {
      const connection = await this.connectToAny();
      this.adopt(connection);
      if (!this.closing) this.forEach(this.reconnectListeners, (l) => l());
    } catch (e) {
      if (this.closing) return;
      if (e instanceof CoreError) {
        // A changed server key: not this device's fault, and another round may find the real server.
        this.setState("connecting", e.message);
        this.scheduleReconnect();
        return;
      }
      const error = e instanceof ServerError ? e : unavailable(String(e));
      if (error.code !== "UNAVAILABLE") {
        // The server refused this device (removed, or a bad signature): retrying cannot help.
        this.refused = error;
        this.failWaiters(error);
        this.setState("offline", `the server refused to sign this device in: ${error.message}`);
        return;
      }
      this.setState("connecting", error.message);
      this.scheduleReconnect();
    }
  }

  private failWaiters(error: ServerError): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w.reject(error);
  }

  private setState(state: ConnectionState, error?: string): void {
    if (state === this.stateNow && error === undefined) return;
    this.stateNow = state;
    this.forEach(this.stateListeners, (l) => l(state, error));
  }

  /** Calls every listener; one that throws must not stop the others or the connection. */
  private forEach<T>(listeners: Set<T>, call: (listener: T) => void): void {
    for (const listener of [...listeners]) {
      try {
        call(listener);
      } catch (e) {
        console.warn("a connection listener failed:", (e as Error).message);
      }
    }
  }
}
