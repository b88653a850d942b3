// Call media as WebTransport datagrams (issue 14): UDP-like, so a late packet is dropped rather
// than holding up the ones behind it as on the WebSocket. The server's CallToken names the
// WebTransport port and the SHA-256 of its short-lived self-signed certificate, learnt over the
// signed-in WebSocket, so the browser trusts exactly that certificate (serverCertificateHashes).
// Each datagram is one relay datagram as over UDP (server RelayDatagram): a JOIN MACed with the
// token's join key first (only this device was given it), then MEDIA both ways and PINGs. When
// WebTransport is missing, refused, or goes quiet, the caller falls back to the WebSocket.
import { create } from "@bufbuild/protobuf";
import { RequestCallTokenSchema } from "../../gen/parley/v1/parley_pb";
import type { Session } from "../contracts";
import { restoreCallId, stripCallId } from "./packet";

const JOIN = 0x01;
const JOINED = 0x02;
const MEDIA = 0x03;
const PING = 0x04;
const JOIN_LABEL = new TextEncoder().encode("parley-v1-join");
const NONCE_BYTES = 16;
/** Connecting and joining must finish within this, or the call stays on the WebSocket. */
const OPEN_TIMEOUT_MS = 3_000;
/** No datagram for this long while the call is live: the path is gone, fall back. */
export const QUIET_MS = 1_000;
/** PINGs keep datagrams coming (PONGs) when nobody else in the call sends media. */
const PING_EVERY_MS = 250;
export const WEBTRANSPORT_PATH = "/v1/webtransport";

export class WebTransportMedia {
  #lastHeard = Date.now();
  #closed = false;
  #watch: ReturnType<typeof setInterval> | undefined;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;

  private constructor(
    private readonly transport: WebTransport,
    private readonly callId: Uint8Array,
    private readonly onQuiet: () => void,
  ) {
    this.#writer = transport.datagrams.writable.getWriter();
  }

  /**
   * Opens WebTransport to the server's relay and joins callId there; undefined (nothing left open)
   * when the browser has no WebTransport, the server offers none, or it cannot be reached in time.
   * Media of the others goes to onMedia; onQuiet is called once if the path later goes quiet.
   */
  static async open(
    session: Session, callId: Uint8Array,
    onMedia: (packet: Uint8Array) => void, onQuiet: () => void,
  ): Promise<WebTransportMedia | undefined> {
    if (typeof WebTransport === "undefined") return undefined;
    const answer = await session.request({ case: "requestCallToken", value: create(RequestCallTokenSchema, { callId }) });
    if (answer.body.case !== "callToken") return undefined;
    const token = answer.body.value;
    if (token.webtransportPort === 0 || token.webtransportCertSha256.length !== 32) return undefined;
    let transport: WebTransport;
    try {
      // The relay listens on the host that served the app (and whose WebSocket this session is).
      transport = new WebTransport(`https://${hostForUrl(location.hostname)}:${token.webtransportPort}${WEBTRANSPORT_PATH}`, {
        serverCertificateHashes: [{ algorithm: "sha-256", value: new Uint8Array(token.webtransportCertSha256) }],
      });
    } catch {
      return undefined;
    }
    transport.closed.catch(() => undefined);
    const media = new WebTransportMedia(transport, callId, onQuiet);
    try {
      await withTimeout(transport.ready, OPEN_TIMEOUT_MS);
      const joined = media.#readLoop(onMedia);
      await media.#writer.write(await joinDatagram(token.token, token.joinKey, token.webtransportPort));
      await withTimeout(joined, OPEN_TIMEOUT_MS);
    } catch {
      media.close();
      return undefined;
    }
    media.#watch = setInterval(() => media.#tick(), PING_EVERY_MS);
    return media;
  }

  /** Resolves at the relay's JOINED; then keeps handing on MEDIA until the session ends. */
  #readLoop(onMedia: (packet: Uint8Array) => void): Promise<void> {
    return new Promise((joined, failed) => {
      const reader = this.transport.datagrams.readable.getReader();
      const pump = async (): Promise<void> => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done || this.#closed) return;
          this.#lastHeard = Date.now();
          if (value[0] === JOINED && value.length === 5) joined();
          else if (value[0] === MEDIA) {
            const packet = restoreCallId(value.subarray(1), this.callId);
            if (packet) onMedia(packet);
          }
        }
      };
      pump().catch(failed).finally(() => failed(new Error("the WebTransport session ended")));
    });
  }

  #tick(): void {
    if (this.#closed) return;
    if (Date.now() - this.#lastHeard > QUIET_MS) {
      this.close();
      this.onQuiet();
      return;
    }
    const ping = new Uint8Array(9);
    ping[0] = PING;
    crypto.getRandomValues(ping.subarray(1));
    this.#writer.write(ping).catch(() => undefined);
  }

  /** Sends one media packet of the call; false once the session is closed (send it over the WebSocket). */
  send(packet: Uint8Array): boolean {
    if (this.#closed) return false;
    const relayed = stripCallId(packet, this.callId);
    const datagram = new Uint8Array(1 + relayed.length);
    datagram[0] = MEDIA;
    datagram.set(relayed, 1);
    this.#writer.write(datagram).catch(() => undefined);
    return true;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watch);
    try {
      this.transport.close();
    } catch {
      // already closed or failed
    }
  }
}

/**
 * The relay's JOIN (server JoinDatagram): type | token (57) | time ms (8) | nonce (16) | relay
 * address (16-byte IPv6, 2-byte port) | HMAC-SHA256(join key, "parley-v1-join" || the fields).
 * A browser does not know the relay's IP address, so it names only the port (the address is ::),
 * which is what the WebTransport listener checks.
 */
export async function joinDatagram(token: Uint8Array, joinKey: Uint8Array, port: number): Promise<Uint8Array> {
  const signedLength = token.length + 8 + NONCE_BYTES + 18;
  const out = new Uint8Array(1 + signedLength + 32);
  const view = new DataView(out.buffer);
  out[0] = JOIN;
  out.set(token, 1);
  let at = 1 + token.length;
  view.setBigInt64(at, BigInt(Date.now()));
  at += 8;
  crypto.getRandomValues(out.subarray(at, at + NONCE_BYTES));
  at += NONCE_BYTES + 16;
  view.setUint16(at, port);
  const key = await crypto.subtle.importKey("raw", new Uint8Array(joinKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signed = new Uint8Array(JOIN_LABEL.length + signedLength);
  signed.set(JOIN_LABEL);
  signed.set(out.subarray(1, 1 + signedLength), JOIN_LABEL.length);
  out.set(new Uint8Array(await crypto.subtle.sign("HMAC", key, signed)), 1 + signedLength);
  return out;
}

function hostForUrl(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (e: unknown) => { clearTimeout(timer); reject(e); },
    );
  });
}
