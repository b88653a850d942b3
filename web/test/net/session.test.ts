// The signed-in link against the real server (sign-in, reconnect, keepalive, refusal) and against a
// hostile WebSocket server that answers garbage: the link must stay usable and say what was wrong.
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebSocket as ServerSocket } from "ws";
import { ListDevicesSchema, PingSchema, type ClientFrame } from "../../src/gen/parley/v1/parley_pb";
import type { ConnectionState } from "../../src/core/api";
import { ServerError } from "../../src/core/contracts";
import { register } from "../../src/core/account/accounts";
import { IndexedDbVault } from "../../src/core/store/vault";
import { LastingLink } from "../../src/core/net/session";
import { AnonymousLink, requireAnonymous } from "../../src/core/net/anonymous";
import { webSocketUrl, canonicalServerUrl, endpointOrigin } from "../../src/core/net/address";
import { backoffDelayMs, MAX_RETRY_MS } from "../../src/core/net/backoff";
import { MAX_SERVER_FRAME_BYTES } from "../../src/core/net/connection";
import { startServer, type TestServer } from "../server";
import { until } from "./until";
import { frame, pong, scriptedServer, type ScriptedServer } from "./scripted";

const ping = () => ({ case: "ping" as const, value: create(PingSchema) });

describe("address and back-off", () => {
  it("derives the WebSocket URL from the server URL", () => {
    expect(webSocketUrl("http://127.0.0.1:8080")).toBe("ws://127.0.0.1:8080/v1/ws");
    expect(webSocketUrl("https://parley.example/")).toBe("wss://parley.example:443/v1/ws");
    expect(canonicalServerUrl("ws://h:1/v1/ws")).toBe("http://h:1");
    expect(() => webSocketUrl("ftp://h")).toThrow(/scheme/);
    // A server URL may name its WebSocket's path (an announced address behind nginx); the server's rule for paths holds.
    expect(webSocketUrl("https://h/c/7f3kq")).toBe("wss://h:443/c/7f3kq");
    expect(() => canonicalServerUrl("http://h/elsewhere")).toThrow(/path/);
    expect(() => webSocketUrl("http://h/a/../b")).toThrow(/path/);
    expect(() => webSocketUrl("http://h/a//b")).toThrow(/path/);
    expect(endpointOrigin("wss://h:8443/c/7f3kq")).toBe("https://h:8443");
    expect(endpointOrigin("http://127.0.0.1:7878")).toBe("http://127.0.0.1:7878");
    expect(() => webSocketUrl("")).toThrow(/no server URL/);
  });

  it("grows exponentially with full jitter up to the cap", () => {
    expect(backoffDelayMs(0, 0.999)).toBe(199);
    expect(backoffDelayMs(3, 0.5)).toBe(800);
    expect(backoffDelayMs(100, 1)).toBe(MAX_RETRY_MS);
    expect(backoffDelayMs(5, 0)).toBe(1);
  });
});

describe("the signed-in link against the real server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("signs in, answers requests, and signs in again after the connection drops", async () => {
    const vault = await IndexedDbVault.create("session-reconnect");
    const device = await register(vault, server.url, "alice_session");
    const states: ConnectionState[] = [];
    const link = await LastingLink.open(server.wsUrl, device, { timeoutMs: 10_000 });
    link.onState((s) => states.push(s));
    try {
      expect(link.state).toBe("online");
      expect((await link.request(ping())).body.case).toBe("pong");
      let reconnected = 0;
      link.onReconnect(() => reconnected++);
      link.dropConnection();
      // A request made while disconnected waits for the next connection.
      expect((await link.request({ case: "listDevices", value: create(ListDevicesSchema) })).body.case).toBe("deviceList");
      expect(reconnected).toBe(1);
      expect(states).toEqual(["connecting", "online"]);
    } finally {
      link.close();
      vault.close();
    }
    expect(link.state).toBe("offline");
    await expect(link.request(ping())).rejects.toMatchObject({ code: "UNAVAILABLE" });
  });

  it("refuses a device whose signature does not check, with the server's code", async () => {
    const vault = await IndexedDbVault.create("session-refused");
    const device = await register(vault, server.url, "bob_session");
    const impostor = { accountId: device.accountId, deviceId: device.deviceId, signChallenge: () => new Uint8Array(64) };
    const error = await LastingLink.open(server.wsUrl, impostor).catch((e) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.code).toBe("BAD_SIGNATURE");
    vault.close();
  });

  it("reports an unreachable server clearly", async () => {
    const error = await LastingLink.open("ws://127.0.0.1:1/v1/ws", undefined, { timeoutMs: 3000 }).catch((e) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toMatch(/cannot reach|did not answer/);
  });

  it("keeps account-bound frames off the anonymous channel, and answers what belongs there", async () => {
    expect(() => requireAnonymous({ case: "listDevices", value: create(ListDevicesSchema) })).toThrow(/anonymous/);
    const anonymous = new AnonymousLink(server.wsUrl);
    try {
      await expect(anonymous.request({ case: "listDevices", value: create(ListDevicesSchema) })).rejects.toThrow(/anonymous/);
      expect(anonymous.isOpen).toBe(false); // refused before anything was opened
      expect((await anonymous.request(ping())).body.case).toBe("pong");
      await anonymous.dropConnection();
      expect((await anonymous.request(ping())).body.case).toBe("pong");
    } finally {
      anonymous.close();
    }
  });
});

describe("the link against a hostile server", () => {
  const garbage: ((socket: ServerSocket, request: ClientFrame) => void)[] = [
    (s) => s.send(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])), // not protobuf
    (s, r) => s.send(frame(pong, r.requestId).slice(0, 1)), // truncated
    (s) => s.send("a text frame"),
    (s) => s.send(new Uint8Array(MAX_SERVER_FRAME_BYTES + 1)), // oversized
    (s, r) => s.send(frame(pong, r.requestId + 1000n)), // an id nobody asked with
  ];

  it("drops malformed, truncated, text, oversized and unasked-for frames, reports each, and keeps working", async () => {
    const server = await scriptedServer((request, socket) => {
      for (const bad of garbage) bad(socket, request);
      return pong;
    });
    const link = await LastingLink.open(server.url, undefined, { timeoutMs: 5000 });
    const problems: string[] = [];
    link.onProblem((p) => problems.push(p));
    try {
      expect((await link.request(ping())).body.case).toBe("pong");
      expect((await link.request(ping())).body.case).toBe("pong");
      expect(link.state).toBe("online");
      expect(problems).toHaveLength(2 * garbage.length);
      expect(problems.join("\n")).toMatch(/not a ServerFrame/);
      expect(problems.join("\n")).toMatch(/text frame/);
      expect(problems.join("\n")).toMatch(/above the limit/);
      expect(problems.join("\n")).toMatch(/did not make/);
    } finally {
      link.close();
      await server.close();
    }
  });

  it("notices a connection that went silent by its keepalive, and reconnects", async () => {
    // The first connection swallows everything, as a dead network would.
    const server = await scriptedServer((_request, _socket, connection) => (connection === 1 ? "silent" : pong));
    const link = await LastingLink.open(server.url, undefined, { timeoutMs: 300, keepaliveMs: 200 });
    const states: ConnectionState[] = [];
    link.onState((s) => states.push(s));
    try {
      await until(() => states.length >= 2, "the reconnect", 5000);
      expect(states).toEqual(["connecting", "online"]);
      expect(server.connections).toBe(2);
      expect((await link.request(ping())).body.case).toBe("pong");
    } finally {
      link.close();
      await server.close();
    }
  });

  it("may start before the server is reachable, and connects once it is", async () => {
    const probe = await scriptedServer(() => pong);
    await probe.close(); // nothing listens on its port now
    const link = await LastingLink.open(probe.url, undefined, { timeoutMs: 1000, waitForServer: true });
    let late: ScriptedServer | undefined;
    try {
      expect(link.state).toBe("connecting");
      late = await scriptedServer(() => pong, { port: probe.port });
      expect((await link.request(ping(), 30_000)).body.case).toBe("pong");
      expect(link.state).toBe("online");
    } finally {
      link.close();
      await late?.close();
    }
    // Without waitForServer the same situation is an error at once.
    const error = await LastingLink.open(probe.url, undefined, { timeoutMs: 1000 }).catch((e) => e);
    expect(error.code).toBe("UNAVAILABLE");
  });

  it("refuses a server that does not start with a challenge", async () => {
    const server = await scriptedServer(() => pong, { greet: (socket) => socket.send(new Uint8Array([1, 2, 3])) });
    const error = await LastingLink.open(server.url, undefined, { timeoutMs: 3000 }).catch((e) => e);
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toMatch(/challenge/);
    await server.close();
  });
});
