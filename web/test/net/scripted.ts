// A WebSocket server on loopback that speaks as much Parley as a test scripts: a Challenge on
// connect, then each ClientFrame answered by the script (or not, or the connection dropped). The
// hostile and flaky servers of the net, wire, tokens and account tests.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { WebSocketServer, type WebSocket as ServerSocket } from "ws";
import { ChallengeSchema, ClientFrameSchema, ServerFrameSchema, type ClientFrame, type ServerFrame } from "../../src/gen/parley/v1/parley_pb";

/** What the script does with a request: answer with a body, stay silent, or drop the connection. */
export type ScriptAnswer = ServerFrame["body"] | "silent" | "drop";

export interface ScriptedServer {
  url: string; // ws://127.0.0.1:PORT/v1/ws
  httpUrl: string;
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export function frame(body: ServerFrame["body"], requestId = 0n): Uint8Array {
  return toBinary(ServerFrameSchema, create(ServerFrameSchema, { requestId, body }));
}

export async function scriptedServer(
  script: (request: ClientFrame, socket: ServerSocket, connection: number) => ScriptAnswer | Promise<ScriptAnswer>,
  options: { port?: number; greet?: (socket: ServerSocket) => void } = {},
): Promise<ScriptedServer> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: options.port ?? 0 });
  await new Promise((ok) => wss.once("listening", ok));
  let connections = 0;
  wss.on("connection", (socket) => {
    const connection = ++connections;
    if (options.greet) options.greet(socket);
    else socket.send(frame({ case: "challenge", value: create(ChallengeSchema, { nonce: new Uint8Array(32).fill(7) }) }));
    socket.on("message", async (data: Buffer) => {
      const request = fromBinary(ClientFrameSchema, new Uint8Array(data));
      const answer = await script(request, socket, connection);
      if (answer === "drop") socket.terminate();
      else if (answer !== "silent") socket.send(frame(answer, request.requestId));
    });
  });
  const port = (wss.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}/v1/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return connections;
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise((ok) => wss.close(ok));
    },
  };
}

export const pong: ServerFrame["body"] = { case: "pong", value: { $typeName: "parley.v1.Pong" } };
