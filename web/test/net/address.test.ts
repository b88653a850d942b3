// The WebSocket's path: /v1/ws unless the page the server served names another in its
// <meta name="parley-ws">, and only for that server; a name that is not a plain path is ignored.
// And what a user types or scans where a server address goes: a bridge link is refused with why.
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkTypedAddress, pageWebSocketPath, webSocketUrl } from "../../src/core/net/address";

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

describe("an address a user types or scans", () => {
  const known = ["https://chat.example.org:443", "https://chat2.example.org:8443/c/7f3kq"];

  it("is accepted, canonical, when this page already reaches it", () => {
    expect(checkTypedAddress(" https://chat.example.org ", known)).toBe("https://chat.example.org:443");
    expect(checkTypedAddress("wss://chat2.example.org:8443/c/7f3kq", known)).toBe("https://chat2.example.org:8443/c/7f3kq");
  });

  it("is a bridge link in its canonical form when it is one, whatever its case or spacing, and refused with why when malformed", () => {
    const full = "parley://bridge?host=203.0.113.7&port=443&pin=5zzGW9oB4P6uMS0o0StxHIpqfe4ApL-_vqRHm0rnA-4&server=https%3A%2F%2Fchat.example.org%3A443";
    expect(checkTypedAddress(full, known)).toBe(full);
    expect(checkTypedAddress("  PARLEY://Bridge?host=h&port=1", known)).toBe("parley://bridge?host=h&port=1");
    expect(() => checkTypedAddress("parley://bridge?", known)).toThrow(expect.objectContaining({ code: "BRIDGE_LINK_INVALID" }));
  });

  it("is refused as another server's when this page does not reach it, naming the page's own", () => {
    expect(() => checkTypedAddress("https://evil.example", known)).toThrow(expect.objectContaining({ code: "OTHER_SERVER", params: { server: known[0] } }));
    expect(() => checkTypedAddress("http://chat.example.org:443", known)).toThrow(expect.objectContaining({ code: "OTHER_SERVER" }));
  });

  it("is refused as no address when it is malformed or hostile", () => {
    for (const text of ["", "javascript:alert(1)", "https://user:pw@chat.example.org", "https://chat.example.org/?q=1", "https://chat.example.org/a/../b", "parley://other?x", "x".repeat(5000)]) {
      expect(() => checkTypedAddress(text, known)).toThrow();
    }
  });
});
