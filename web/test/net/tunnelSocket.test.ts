// The browser's side of the tunnel over a real WebSocket, against a scripted server end on loopback
// that speaks protocol/Tunnel.java's handshake and records (with the server key's signature), and
// against a hostile bridge in front of it: one that alters a record, answers with another server's
// key, or cuts an answer short. The real server's end is tested in server/.../TunnelServerTest.java
// and through a real bridge in e2e/bridge.spec.ts.
import { afterEach, describe, expect, it } from "vitest";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { WebSocketServer, type WebSocket as ServerSocket } from "ws";
import { ChallengeSchema, ClientFrameSchema, PingSchema, PongSchema, ServerFrameSchema, TunnelHttpHeadSchema } from "../../src/gen/parley/v1/parley_pb";
import { concat, utf8 } from "../../src/core/bytes";
import { Connection } from "../../src/core/net/connection";
import { directions, FRAME, HTTP_BODY, HTTP_END, HTTP_HEAD, OPEN_SESSION, tunnelFetch, type Direction, type TunnelRoute } from "../../src/core/net/tunnel";

const serverSigningKey = ed25519.utils.randomSecretKey();
const serverKey = ed25519.getPublicKey(serverSigningKey);
const ignore = { push: () => undefined, closed: () => undefined, problem: () => undefined };

/** What the scripted server end does once the handshake is over. */
type Behaviour = "session" | "alter" | "http" | "cut";

interface TunnelEnd {
  route: TunnelRoute;
  /** Record types the server end opened, in order. */
  opened: number[];
  close(): Promise<void>;
}

/** A server end of the tunnel: the handshake signed by `signingKey`, then `behaviour`. */
async function tunnelEnd(behaviour: Behaviour, signingKey = serverSigningKey): Promise<TunnelEnd> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((ok) => wss.once("listening", ok));
  const opened: number[] = [];
  wss.on("connection", (socket: ServerSocket) => {
    let keys: { fromClient: Direction; toClient: Direction } | undefined;
    socket.on("message", (data: Buffer) => {
      const bytes = new Uint8Array(data);
      if (!keys) {
        const clientShare = bytes.subarray(1);
        const secret = x25519.utils.randomSecretKey();
        const serverShare = x25519.getPublicKey(secret);
        const signature = ed25519.sign(concat(utf8("parley-v1-tunnel"), clientShare, serverShare), signingKey);
        const both = directions(x25519.getSharedSecret(secret, clientShare), clientShare, serverShare);
        keys = { fromClient: both.clientToServer, toClient: both.serverToClient };
        socket.send(concat(Uint8Array.of(1), serverShare, signature));
        return;
      }
      const record = keys.fromClient.open(bytes);
      opened.push(record[0]);
      const send = (type: number, body: Uint8Array) => socket.send(keys!.toClient.seal(type, body));
      if (record[0] === OPEN_SESSION) {
        const challenge = toBinary(ServerFrameSchema, create(ServerFrameSchema, { body: { case: "challenge", value: create(ChallengeSchema, { nonce: new Uint8Array(32).fill(7), serverKey }) } }));
        const sealed = keys.toClient.seal(FRAME, challenge);
        if (behaviour === "alter") sealed[5] ^= 1; // a bridge flipping one bit
        socket.send(sealed);
      } else if (record[0] === FRAME) {
        const request = fromBinary(ClientFrameSchema, record.subarray(1));
        send(FRAME, toBinary(ServerFrameSchema, create(ServerFrameSchema, { requestId: request.requestId, body: { case: "pong", value: create(PongSchema) } })));
      } else if (record[0] === HTTP_HEAD) {
        const head = fromBinary(TunnelHttpHeadSchema, record.subarray(1));
        const answer = utf8(`${head.method} ${head.path} ${head.headers.map((h) => `${h.name}=${h.value}`).join(",")}`);
        send(HTTP_HEAD, toBinary(TunnelHttpHeadSchema, create(TunnelHttpHeadSchema, { status: 200, headers: [{ name: "Content-Length", value: String(answer.length * 2) }] })));
        send(HTTP_BODY, answer);
        if (behaviour === "cut") {
          socket.close();
          return;
        }
        send(HTTP_BODY, answer);
        send(HTTP_END, new Uint8Array(0));
      }
    });
  });
  const port = (wss.address() as { port: number }).port;
  return {
    route: { url: `ws://127.0.0.1:${port}/v1/ws/tunnel`, serverKey },
    opened,
    close: () => new Promise((ok) => wss.close(() => ok(undefined))),
  };
}

const ends: TunnelEnd[] = [];
afterEach(async () => {
  for (const end of ends.splice(0)) await end.close();
});

async function started(behaviour: Behaviour, signingKey?: Uint8Array): Promise<TunnelEnd> {
  const end = await tunnelEnd(behaviour, signingKey);
  ends.push(end);
  return end;
}

describe("a connection through a tunnel", () => {
  it("gets the server's Challenge and answers to its requests, as over a WebSocket", async () => {
    const end = await started("session");
    const connection = await Connection.open(end.route, ignore, 5_000);
    expect(connection.challenge).toEqual(new Uint8Array(32).fill(7));
    const answer = await connection.request({ case: "ping", value: create(PingSchema) });
    expect(answer.body.case).toBe("pong");
    expect(end.opened).toEqual([OPEN_SESSION, FRAME]);
    connection.close();
  });

  it("is refused, as a changed server key, when the bridge leads to a server with another key", async () => {
    const end = await started("session", ed25519.utils.randomSecretKey());
    await expect(Connection.open(end.route, ignore, 5_000)).rejects.toMatchObject({ code: "SERVER_KEY_CHANGED", message: expect.stringMatching(/does not lead to this app's server/) });
    await new Promise((ok) => setTimeout(ok, 100));
    expect(end.opened).toEqual([]); // not even OPEN_SESSION went out
  });

  it("ends when the bridge alters a record, before anything it carried is used", async () => {
    const end = await started("alter");
    await expect(Connection.open(end.route, ignore, 5_000)).rejects.toMatchObject({ code: "UNAVAILABLE", message: expect.stringMatching(/does not open/) });
  });

  it("says why when nothing answers where the bridge should be", async () => {
    await expect(Connection.open({ url: "ws://127.0.0.1:9/v1/ws/tunnel", serverKey }, ignore, 5_000)).rejects.toMatchObject({
      code: "UNAVAILABLE",
      message: expect.stringMatching(/cannot reach the bridge at 127.0.0.1:9/),
    });
  });
});

describe("an HTTP exchange through a tunnel", () => {
  it("sends the request's head and body and streams the answer into a Response", async () => {
    const end = await started("http");
    const body = new Uint8Array(200 * 1024).fill(1);
    const response = await tunnelFetch(end.route, { method: "POST", path: "/v1/attachments", headers: { Authorization: "Ticket t" }, body }, 5_000);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toBe("POST /v1/attachments Authorization=Ticket t".repeat(2));
    // The head, four body records of at most 64 KiB, the end.
    expect(end.opened).toEqual([HTTP_HEAD, HTTP_BODY, HTTP_BODY, HTTP_BODY, HTTP_BODY, HTTP_END]);
  });

  it("fails the body, not silently shortens it, when the tunnel ends before the answer does", async () => {
    const end = await started("cut");
    const response = await tunnelFetch(end.route, { method: "GET", path: "/v1/attachments/ab", headers: {} }, 5_000);
    await expect(response.arrayBuffer()).rejects.toThrow(/closed before the whole answer arrived/);
  });
});
