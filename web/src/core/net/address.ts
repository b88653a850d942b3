// Where the WebSocket of a Parley server is (port of net/ServerAddress.java): people give the
// server as http(s)://HOST:PORT (or ws(s)://); the WebSocket lives at /v1/ws on the same origin,
// unless the server that served this page moved it (parley server --ws-path) and says so in the
// page: <meta name="parley-ws" content="/PATH"> (server/.../web/WebApp.java writes it). An address
// the server announces (an "endpoint") may name its WebSocket's path itself, as the CLI's do:
// https://HOST:PORT/PATH. A bridge link (parley://bridge?..., client/net/BridgeLink.java) leads to the
// server through a bridge: the browser reaches it by the tunnel (tunnel.ts) at
// wss://BRIDGE:PORT/<the page's WebSocket path>/tunnel, since it cannot open TLS inside TLS.
import { CoreError } from "./errors";
import { PATH_SUFFIX, type TunnelRoute } from "./tunnel";

export const WEBSOCKET_PATH = "/v1/ws";
const PATH_META = "parley-ws";
/** The page's meta element naming its server's Ed25519 key, base64url (server/.../web/WebApp.java writes it). */
const KEY_META = "parley-server-key";
const MAX_PATH_LENGTH = 256;
/** What the server accepts as a WebSocket path: segments of letters, digits and -._~, none "." or "..". */
const PLAIN_PATH = /^(\/(?!\.{1,2}(\/|$))[A-Za-z0-9._~-]+)+$/;
const HINT = "; give the server as http://HOST:PORT or https://HOST:PORT (ws:// and wss:// work too)";

/** BridgeLink.PREFIX: how a shared bridge (parley proxy) begins. */
export const BRIDGE_LINK_PREFIX = "parley://bridge?";

/** Whether a text is a bridge link rather than a server URL (BridgeLink.isBridgeLink). */
export function isBridgeLink(text: string): boolean {
  return text.trim().toLowerCase().startsWith(BRIDGE_LINK_PREFIX);
}

/** The canonical http(s)://HOST:PORT form of a server URL. Throws a message for people when it is not one. */
export function canonicalServerUrl(text: string): string {
  const { tls, authority } = parse(text, false);
  return `${tls ? "https" : "http"}://${authority}`;
}

/**
 * An announced address in its canonical form (ServerAddress.toString): http(s)://HOST:PORT,
 * followed by its WebSocket path when that is not /v1/ws. Throws a message for people when the
 * text is not a server URL or its path could not be a WebSocket path.
 */
export function canonicalEndpoint(text: string): string {
  const { tls, authority, path } = parse(text, true);
  return `${tls ? "https" : "http"}://${authority}${path ?? ""}`;
}

/** Whether an endpoint (canonical or not) is reached over TLS. */
export function usesTls(endpoint: string): boolean {
  return parse(endpoint, true).tls;
}

/** The http(s)://HOST:PORT origin of an endpoint, where its attachments are. */
export function endpointOrigin(endpoint: string): string {
  return canonicalServerUrl(endpoint.replace(/^([a-z]+:\/\/[^/?#]*).*$/is, "$1"));
}

/**
 * ws(s)://HOST:PORT/PATH for a server URL or endpoint: the path it names; else the path the page
 * names when the server is the page's own origin; else /v1/ws.
 */
export function webSocketUrl(serverUrl: string): string {
  const { tls, authority, origin, path } = parse(serverUrl, true);
  const at = path ?? (origin === globalThis.location?.origin ? pageWebSocketPath() : WEBSOCKET_PATH);
  return `${tls ? "wss" : "ws"}://${authority}${at}`;
}

/** The WebSocket's path that the page's meta element names, or /v1/ws when it names none (or no plain path). */
export function pageWebSocketPath(): string {
  const named = globalThis.document?.querySelector<HTMLMetaElement>(`meta[name="${PATH_META}"]`)?.content;
  return named !== undefined && named.length <= MAX_PATH_LENGTH && PLAIN_PATH.test(named) ? named : WEBSOCKET_PATH;
}

/** path: the WebSocket's own path when the text names one other than /v1/ws (only where allowed). */
function parse(text: string, allowPath: boolean): { tls: boolean; authority: string; origin: string; path?: string } {
  if (!text || !text.trim()) throw new CoreError("ADDRESS_INVALID", "no server URL given" + HINT);
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new CoreError("ADDRESS_INVALID", `'${text}' is not a URL${HINT}`);
  }
  const scheme = url.protocol.replace(/:$/, "").toLowerCase();
  let tls: boolean;
  if (scheme === "http" || scheme === "ws") tls = false;
  else if (scheme === "https" || scheme === "wss") tls = true;
  else throw new CoreError("ADDRESS_INVALID", `'${text}' has no http, https, ws or wss scheme${HINT}`);
  if (!url.hostname) throw new CoreError("ADDRESS_INVALID", `'${text}' names no host${HINT}`);
  if (url.username || url.password || url.search || url.hash) {
    throw new CoreError("ADDRESS_INVALID", `'${text}' has more than scheme, host, port and path${HINT}`);
  }
  // The path as written: URL would resolve "/a/../b" to "/b", which the server's rule refuses.
  const written = /^[a-z]+:\/\/[^/?#]*(\/[^?#]*)?/i.exec(text.trim())?.[1] ?? "";
  let path: string | undefined;
  if (written !== "" && written !== "/" && written !== WEBSOCKET_PATH) {
    if (!allowPath) throw new CoreError("ADDRESS_INVALID", `'${text}' has a path; give only scheme, host and port${HINT}`);
    if (written.length > MAX_PATH_LENGTH || !PLAIN_PATH.test(written)) throw new CoreError("ADDRESS_INVALID", `'${text}' has a path that cannot be a WebSocket path${HINT}`);
    path = written;
  }
  const port = url.port ? Number(url.port) : tls ? 443 : 80;
  return { tls, authority: `${url.hostname}:${port}`, origin: `${tls ? "https" : "http"}://${url.host}`, path };
}

/** A bridge as a link names it (BridgeLink): the browser uses host and port; pin and server are kept for the CLI. */
export interface BridgeLink {
  host: string;
  port: number;
  pin?: string;
  server?: string;
}

const MAX_LINK_LENGTH = 1024;
const BRIDGE_HINT = `; a bridge link looks like ${BRIDGE_LINK_PREFIX}host=HOST&port=PORT&pin=PIN`;

/** Reads a bridge link as BridgeLink.parse does; throws a CoreError BRIDGE_LINK_INVALID, saying why, when it is not one. */
export function parseBridgeLink(text: string): BridgeLink {
  const link = text.trim();
  if (link.length > MAX_LINK_LENGTH || !isBridgeLink(link)) throw new CoreError("BRIDGE_LINK_INVALID", `'${shorten(link)}' is not a bridge link${BRIDGE_HINT}`);
  const fields = new Map<string, string>();
  for (const pair of link.slice(BRIDGE_LINK_PREFIX.length).split("&")) {
    const equals = pair.indexOf("=");
    if (equals <= 0) throw new CoreError("BRIDGE_LINK_INVALID", `the bridge link has a malformed part '${shorten(pair)}'${BRIDGE_HINT}`);
    const key = pair.slice(0, equals);
    let value: string;
    try {
      value = decodeURIComponent(pair.slice(equals + 1).replace(/\+/g, " "));
    } catch {
      throw new CoreError("BRIDGE_LINK_INVALID", `the bridge link's ${shorten(key)} is not properly escaped${BRIDGE_HINT}`);
    }
    if (!["host", "port", "pin", "server"].includes(key)) throw new CoreError("BRIDGE_LINK_INVALID", `the bridge link has an unknown part '${shorten(key)}'${BRIDGE_HINT}`);
    if (fields.has(key)) throw new CoreError("BRIDGE_LINK_INVALID", `the bridge link gives ${key} twice${BRIDGE_HINT}`);
    fields.set(key, value);
  }
  let host = fields.get("host");
  const portText = fields.get("port");
  if (!host || portText === undefined) throw new CoreError("BRIDGE_LINK_INVALID", `the bridge link needs a host and a port${BRIDGE_HINT}`);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host.length > 253 || !/^[\x21-\x7e]+$/.test(host) || /[/?#@]/.test(host)) throw new CoreError("BRIDGE_LINK_INVALID", `the bridge link's host is not a host name or address${BRIDGE_HINT}`);
  const port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new CoreError("BRIDGE_LINK_INVALID", `the bridge's port '${shorten(portText)}' is out of range 1-65535${BRIDGE_HINT}`);
  const pin = fields.get("pin");
  if (pin !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(pin)) throw new CoreError("BRIDGE_LINK_INVALID", `the bridge link's pin is not a base64url SHA-256 hash${BRIDGE_HINT}`);
  const server = fields.get("server");
  return { host, port, pin, server: server === undefined ? undefined : canonicalEndpoint(server) };
}

/** The link in BridgeLink's canonical form (host, port, pin, server), which parseBridgeLink reads back. */
export function bridgeLinkText(link: BridgeLink): string {
  const host = link.host.includes(":") ? `[${link.host}]` : link.host;
  return (
    `${BRIDGE_LINK_PREFIX}host=${encodeURIComponent(host)}&port=${link.port}` +
    (link.pin ? `&pin=${link.pin}` : "") +
    (link.server ? `&server=${encodeURIComponent(link.server)}` : "")
  );
}

/** Where the browser opens the tunnel through a bridge: wss://HOST:PORT/<the page's WebSocket path>/tunnel. */
export function bridgeTunnelUrl(link: BridgeLink): string {
  const host = link.host.includes(":") ? `[${link.host}]` : link.host;
  return `wss://${host}:${link.port}${pageWebSocketPath()}${PATH_SUFFIX}`;
}

/**
 * How to reach an endpoint: its WebSocket URL, or for a bridge link the tunnel through it, which
 * must find `pinned` (the profile's server key) or, before one is pinned, the key the page names.
 *
 * @throws CoreError NO_SERVER_KEY when a bridge is to be used and neither key is known
 */
export function dialTarget(endpoint: string, pinned: Uint8Array): string | TunnelRoute {
  if (!isBridgeLink(endpoint)) return webSocketUrl(endpoint);
  return { url: bridgeTunnelUrl(parseBridgeLink(endpoint)), serverKey: tunnelServerKey(pinned) };
}

/** The key a tunnel must find: the pinned one, else the page's own server's. */
export function tunnelServerKey(pinned: Uint8Array): Uint8Array {
  if (pinned.length === 32) return pinned;
  const named = pageServerKey();
  if (named) return named;
  throw new CoreError("NO_SERVER_KEY", "this page does not know its server's key, which a bridge is checked against; open the app from the server once");
}

/** The server key the page's meta element names, or undefined when it names none (or not 32 bytes of base64url). */
export function pageServerKey(): Uint8Array | undefined {
  const named = globalThis.document?.querySelector<HTMLMetaElement>(`meta[name="${KEY_META}"]`)?.content;
  if (!named || !/^[A-Za-z0-9_-]{43}$/.test(named)) return undefined;
  const binary = atob(named.replace(/-/g, "+").replace(/_/g, "/") + "=");
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function shorten(text: string): string {
  return text.length <= 40 ? text : `${text.slice(0, 40)}…`;
}

/**
 * Reads what a user typed or scanned as a server address, where the browser could only use it
 * itself: a bridge link comes back in its canonical form (the tunnel through it checks that it
 * leads to this app's server, by the server's key); otherwise one of `known` (canonical
 * addresses this page already reaches: its own origin, the server's verified announced ones) in
 * canonical form. Any other server address is refused with why: this app belongs to its server.
 *
 * @throws CoreError OTHER_SERVER (params: server, the page's own), ADDRESS_INVALID or BRIDGE_LINK_INVALID
 */
export function checkTypedAddress(text: string, known: readonly string[]): string {
  if (isBridgeLink(text)) return bridgeLinkText(parseBridgeLink(text));
  const address = canonicalEndpoint(text);
  if (!known.includes(address)) {
    throw new CoreError(
      "OTHER_SERVER",
      `this page reaches only its own server (${known[0]}) at the addresses that server announces, signed, and through bridges; open another server's own address in the browser, or use the parley command`,
      { server: known[0] ?? "" },
    );
  }
  return address;
}
