// A TCP forwarder for the browser tests: every connection to it is relayed to a loopback port.
// close() ends them all and refuses new ones, as a network that starts blocking an address would.
// With `record`, it keeps every byte it relays, both ways, for a test to look through afterwards.
import { createServer, connect, type Server, type Socket } from "node:net";

export class Forwarder {
  private readonly sockets = new Set<Socket>();
  private readonly recorded: Buffer[] = [];

  private constructor(
    private readonly server: Server,
    private readonly record: boolean,
  ) {}

  static async listen(target: number, options: { server?: Server; record?: boolean } = {}): Promise<Forwarder> {
    const server = options.server ?? createServer();
    const forwarder = new Forwarder(server, options.record ?? false);
    server.on("connection", (client) => {
      const upstream = connect(target, "127.0.0.1");
      for (const [from, to] of [[client, upstream], [upstream, client]]) {
        forwarder.sockets.add(from);
        if (forwarder.record) from.on("data", (chunk: Buffer) => forwarder.recorded.push(Buffer.from(chunk)));
        from.pipe(to);
        from.on("error", () => to.destroy());
        from.on("close", () => {
          forwarder.sockets.delete(from);
          to.destroy();
        });
      }
    });
    if (!server.listening) await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    return forwarder;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** Every byte relayed so far, both ways, in arrival order (with `record`). */
  get bytes(): Buffer {
    return Buffer.concat(this.recorded);
  }

  async close(): Promise<void> {
    const closed = new Promise((ok) => this.server.close(ok));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

/** A listener bound to a free loopback port now, for an address that must be known before its forwarder starts. */
export async function boundListener(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return server;
}
