// The signed-in link against the real server (sign-in, reconnect, keepalive, refusal) and against a
// hostile WebSocket server that answers garbage: the link must stay usable and say what was wrong.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket as ServerSocket } from "ws";
import { ClientFrameSchema, ListDevicesSchema, PingSchema, ServerFrameSchema, type ClientFrame } from "../../src/gen/parley/v1/parley_pb";
import type { ConnectionState } from "../../src/core/api";
import { ServerError } from "../../src/core/contracts";
import { register } from "../../src/core/account/accounts";
import { IndexedDbVault } from "../../src/core/store/vault";
import { LastingLink } from "../../src/core/net/session";
import { AnonymousLink, requireAnonymous } from "../../src/core/net/anonymous";
import { webSocketUrl, canonicalServerUrl } from "../../src/core/net/address";
import { backoffDelayMs, MAX_RETRY_MS } from "../../src/core/net/backoff";
import { MAX_SERVER_FRAME_BYTES } from "../../src/core/net/connection";
import { startServer, type TestServer } from "../server";

const ping = () => ({ case: "ping" as const, value: create(PingSchema) });

describe("address and back-off", () => {
  it("derives the WebSocket URL from the server URL", () => {
    expect(webSocketUrl("http://127.0.0.1:8080")).toBe("ws://127.0.0.1:8080/v1/ws");
    expect(webSocketUrl("https://parley.example/")).toBe("wss://parley.example:443/v1/ws");
    expect(canonicalServerUrl("ws://h:1/v1/ws")).toBe("http://h:1");
    expect(() => webSocketUrl("ftp://h")).toThrow(/scheme/);
    expect(() => webSocketUrl("http://h/elsewhere")).toThrow(/path/);
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
  let wss: WebSocketServer;
  let url: string;
  const garbage: ((socket: ServerSocket, request: ClientFrame) => void)[] = [
    (s) => s.send(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])), // not protobuf
    (s, r) => s.send(toBinary(ServerFrameSchema, create(ServerFrameSchema, { requestId: r.requestId, body: { case: "pong", value: {} } })).slice(0, 1)), // truncated
    (s) => s.send("a text frame"),
    (s) => s.send(new Uint8Array(MAX_SERVER_FRAME_BYTES + 1)), // oversized
    (s, r) => s.send(toBinary(ServerFrameSchema, create(ServerFrameSchema, { requestId: r.requestId + 1000n, body: { case: "pong", value: {} } }))), // wrong id
  ];

  beforeAll(async () => {
    wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((ok) => wss.once("listening", ok));
    url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/v1/ws`;
    wss.on("connection", (socket) => {
      socket.send(toBinary(ServerFrameSchema, create(ServerFrameSchema, { body: { case: "challenge", value: { nonce: new Uint8Array(32).fill(7) } } })));
      socket.on("message", (data: Buffer) => {
        const request = fromBinary(ClientFrameSchema, new Uint8Array(data));
        for (const bad of garbage) bad(socket, request);
        socket.send(toBinary(ServerFrameSchema, create(ServerFrameSchema, { requestId: request.requestId, body: { case: "pong", value: {} } })));
      });
    });
  });
  afterAll(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise((ok) => wss.close(ok));
  });

  it("drops malformed, truncated, text, oversized and unasked-for frames, reports each, and keeps working", async () => {
    const link = await LastingLink.open(url, undefined, { timeoutMs: 5000 });
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
    }
  });

  it("notices a connection that went silent by its keepalive, and reconnects", async () => {
    const quiet = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((ok) => quiet.once("listening", ok));
    let connections = 0;
    quiet.on("connection", (socket) => {
      const answering = ++connections > 1; // the first connection swallows everything, as a dead network would
      socket.send(toBinary(ServerFrameSchema, create(ServerFrameSchema, { body: { case: "challenge", value: { nonce: new Uint8Array(32) } } })));
      socket.on("message", (data: Buffer) => {
        if (!answering) return;
        const request = fromBinary(ClientFrameSchema, new Uint8Array(data));
        socket.send(toBinary(ServerFrameSchema, create(ServerFrameSchema, { requestId: request.requestId, body: { case: "pong", value: {} } })));
      });
    });
    const port = (quiet.address() as { port: number }).port;
    const link = await LastingLink.open(`ws://127.0.0.1:${port}/v1/ws`, undefined, { timeoutMs: 300, keepaliveMs: 200 });
    const states: ConnectionState[] = [];
    link.onState((s) => states.push(s));
    try {
      const deadline = Date.now() + 5000;
      while (states.length < 2 && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 20));
      expect(states).toEqual(["connecting", "online"]);
      expect(connections).toBe(2);
      expect((await link.request(ping())).body.case).toBe("pong");
    } finally {
      link.close();
      for (const client of quiet.clients) client.terminate();
      await new Promise((ok) => quiet.close(ok));
    }
  });

  it("may start before the server is reachable, and connects once it is", async () => {
    const probe = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((ok) => probe.once("listening", ok));
    const port = (probe.address() as { port: number }).port;
    await new Promise((ok) => probe.close(ok)); // nothing listens there now
    const link = await LastingLink.open(`ws://127.0.0.1:${port}/v1/ws`, undefined, { timeoutMs: 1000, waitForServer: true });
    const late = new WebSocketServer({ host: "127.0.0.1", port });
    try {
      expect(link.state).toBe("connecting");
      await new Promise((ok) => late.once("listening", ok));
      late.on("connection", (socket) => {
        socket.send(toBinary(ServerFrameSchema, create(ServerFrameSchema, { body: { case: "challenge", value: { nonce: new Uint8Array(32) } } })));
        socket.on("message", (data: Buffer) => {
          const request = fromBinary(ClientFrameSchema, new Uint8Array(data));
          socket.send(toBinary(ServerFrameSchema, create(ServerFrameSchema, { requestId: request.requestId, body: { case: "pong", value: {} } })));
        });
      });
      expect((await link.request(ping(), 30_000)).body.case).toBe("pong");
      expect(link.state).toBe("online");
    } finally {
      link.close();
      for (const client of late.clients) client.terminate();
      await new Promise((ok) => late.close(ok));
    }
    // Without waitForServer the same situation is an error at once.
    const error = await LastingLink.open(`ws://127.0.0.1:${port}/v1/ws`, undefined, { timeoutMs: 1000 }).catch((e) => e);
    expect(error.code).toBe("UNAVAILABLE");
  });

  it("refuses a server that does not start with a challenge", async () => {
    const silent = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((ok) => silent.once("listening", ok));
    silent.on("connection", (s) => s.send(new Uint8Array([1, 2, 3])));
    const port = (silent.address() as { port: number }).port;
    const error = await LastingLink.open(`ws://127.0.0.1:${port}/v1/ws`, undefined, { timeoutMs: 3000 }).catch((e) => e);
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toMatch(/challenge/);
    for (const client of silent.clients) client.terminate();
    await new Promise((ok) => silent.close(ok));
  });
});
