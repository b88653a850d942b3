// The WebSocket's path: /v1/ws unless the page the server served names another in its
// <meta name="parley-ws">, and only for that server; a name that is not a plain path is ignored.
import { afterEach, describe, expect, it, vi } from "vitest";
import { pageWebSocketPath, webSocketUrl } from "../../src/core/net/address";

/** A page served by `origin` whose parley-ws meta element holds `content` (none when undefined). */
function servedPage(origin: string, content: string | undefined): void {
  vi.stubGlobal("location", { origin });
  vi.stubGlobal("document", {
    querySelector: (selector: string) =>
      selector === 'meta[name="parley-ws"]' && content !== undefined ? { content } : null,
  });
}

describe("the WebSocket's path", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("is /v1/ws without a page", () => {
    expect(pageWebSocketPath()).toBe("/v1/ws");
    expect(webSocketUrl("https://chat.example")).toBe("wss://chat.example:443/v1/ws");
  });

  it("is the one the page's server names, for that server only", () => {
    servedPage("https://chat.example", "/c/7f3kq");
    expect(webSocketUrl("https://chat.example")).toBe("wss://chat.example:443/c/7f3kq");
    expect(webSocketUrl("https://chat.example:443/")).toBe("wss://chat.example:443/c/7f3kq");
    expect(webSocketUrl("https://other.example")).toBe("wss://other.example:443/v1/ws");
    expect(webSocketUrl("http://chat.example")).toBe("ws://chat.example:80/v1/ws");
    servedPage("http://127.0.0.1:8080", "/a-b/c.d_e~f/9");
    expect(webSocketUrl("http://127.0.0.1:8080")).toBe("ws://127.0.0.1:8080/a-b/c.d_e~f/9");
  });

  it("falls back to /v1/ws when the page names none or no plain path", () => {
    for (const hostile of [undefined, "", "/", "ws", "//evil.example/ws", "/a/../ws", "/./ws", "/ws?x=1", "/ws#x",
      "/w s", "javascript:alert(1)", "https://evil.example/ws", "/%2e%2e", "/" + "w".repeat(300)]) {
      servedPage("https://chat.example", hostile);
      expect(webSocketUrl("https://chat.example"), String(hostile)).toBe("wss://chat.example:443/v1/ws");
    }
  });
});
