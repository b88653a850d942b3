// Where the WebSocket of a Parley server is (port of net/ServerAddress.java): people give the
// server as http(s)://HOST:PORT (or ws(s)://); the WebSocket lives at /v1/ws on the same origin,
// unless the server that served this page moved it (parley server --ws-path) and says so in the
// page: <meta name="parley-ws" content="/PATH"> (server/.../web/WebApp.java writes it). An address
// the server announces (an "endpoint") may name its WebSocket's path itself, as the CLI's do:
// https://HOST:PORT/PATH. Bridge links (parley://bridge?...) are recognised only to be refused: a
// browser cannot open TLS inside TLS, nor pin a bridge's self-made certificate.
import { CoreError } from "./errors";

export const WEBSOCKET_PATH = "/v1/ws";
const PATH_META = "parley-ws";
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

/**
 * Reads what a user typed or scanned as a server address, where the browser could only use it
 * itself: one of `known` (canonical addresses this page already reaches: its own origin, the
 * server's verified announced ones) is returned in canonical form. A bridge link is refused with
 * why (a browser cannot run its TLS to the server inside the bridge's, nor pin a bridge's
 * self-made certificate, so the bridge would read everything) and what to do instead; so is any
 * other address (this page's security policy lets it reach only its server's own addresses).
 *
 * @throws CoreError BRIDGE_LINK or OTHER_SERVER (params: server, the page's own), or a parse error
 */
export function checkTypedAddress(text: string, known: readonly string[]): string {
  if (isBridgeLink(text)) {
    throw new CoreError(
      "BRIDGE_LINK",
      "a browser cannot use a bridge without the bridge reading its traffic; use the parley command through the bridge (parley register --server 'LINK'), or one of the server's alternate addresses",
    );
  }
  const address = canonicalEndpoint(text);
  if (!known.includes(address)) {
    throw new CoreError(
      "OTHER_SERVER",
      `this page reaches only its own server (${known[0]}) at the addresses that server announces, signed; open another server's own address in the browser, or use the parley command`,
      { server: known[0] ?? "" },
    );
  }
  return address;
}
