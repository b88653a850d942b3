// Where the WebSocket of a Parley server is (port of net/ServerAddress.java): people give the
// server as http(s)://HOST:PORT (or ws(s)://); the WebSocket lives at /v1/ws on the same origin.

export const WEBSOCKET_PATH = "/v1/ws";
const HINT = "; give the server as http://HOST:PORT or https://HOST:PORT (ws:// and wss:// work too)";

/** The canonical http(s)://HOST:PORT form of a server URL. Throws a message for people when it is not one. */
export function canonicalServerUrl(text: string): string {
  const { tls, authority } = parse(text);
  return `${tls ? "https" : "http"}://${authority}`;
}

/** ws(s)://HOST:PORT/v1/ws for an http(s) (or ws(s)) server URL. */
export function webSocketUrl(serverUrl: string): string {
  const { tls, authority } = parse(serverUrl);
  return `${tls ? "wss" : "ws"}://${authority}${WEBSOCKET_PATH}`;
}

function parse(text: string): { tls: boolean; authority: string } {
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
  return { tls, authority: `${url.hostname}:${port}` };
}
