// Where the WebSocket of a Parley server is (port of net/ServerAddress.java): people give the
// server as http(s)://HOST:PORT (or ws(s)://); the WebSocket lives at /v1/ws on the same origin,
// unless the server that served this page moved it (parley server --ws-path) and says so in the
// page: <meta name="parley-ws" content="/PATH"> (server/.../web/WebApp.java writes it).

export const WEBSOCKET_PATH = "/v1/ws";
const PATH_META = "parley-ws";
const MAX_PATH_LENGTH = 256;
/** What the server accepts as a WebSocket path: segments of letters, digits and -._~, none "." or "..". */
const PLAIN_PATH = /^(\/(?!\.{1,2}(\/|$))[A-Za-z0-9._~-]+)+$/;
const HINT = "; give the server as http://HOST:PORT or https://HOST:PORT (ws:// and wss:// work too)";

/** The canonical http(s)://HOST:PORT form of a server URL. Throws a message for people when it is not one. */
export function canonicalServerUrl(text: string): string {
  const { tls, authority } = parse(text);
  return `${tls ? "https" : "http"}://${authority}`;
}

/**
 * ws(s)://HOST:PORT/PATH for an http(s) (or ws(s)) server URL: the path the page names when the
 * server is the page's own origin, else /v1/ws.
 */
export function webSocketUrl(serverUrl: string): string {
  const { tls, authority, origin } = parse(serverUrl);
  const path = origin === globalThis.location?.origin ? pageWebSocketPath() : WEBSOCKET_PATH;
  return `${tls ? "wss" : "ws"}://${authority}${path}`;
}

/** The WebSocket's path that the page's meta element names, or /v1/ws when it names none (or no plain path). */
export function pageWebSocketPath(): string {
  const named = globalThis.document?.querySelector<HTMLMetaElement>(`meta[name="${PATH_META}"]`)?.content;
  return named !== undefined && named.length <= MAX_PATH_LENGTH && PLAIN_PATH.test(named) ? named : WEBSOCKET_PATH;
}

function parse(text: string): { tls: boolean; authority: string; origin: string } {
  if (!text || !text.trim()) throw new Error("no server URL given" + HINT);
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new Error(`'${text}' is not a URL${HINT}`);
  }
  const scheme = url.protocol.replace(/:$/, "").toLowerCase();
  let tls: boolean;
  if (scheme === "http" || scheme === "ws") tls = false;
  else if (scheme === "https" || scheme === "wss") tls = true;
  else throw new Error(`'${text}' has no http, https, ws or wss scheme${HINT}`);
  if (!url.hostname) throw new Error(`'${text}' names no host${HINT}`);
  if (url.pathname !== "" && url.pathname !== "/" && url.pathname !== WEBSOCKET_PATH) {
    throw new Error(`'${text}' has a path; give only scheme, host and port${HINT}`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new Error(`'${text}' has more than scheme, host and port${HINT}`);
  }
  const port = url.port ? Number(url.port) : tls ? 443 : 80;
  return { tls, authority: `${url.hostname}:${port}`, origin: `${tls ? "https" : "http"}://${url.host}` };
}
