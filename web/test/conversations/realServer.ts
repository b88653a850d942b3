// The set-up the conversation tests share: a real Parley server for one describe block, and the
// web and CLI users its tests make, all closed and removed after the block.
import { afterAll, beforeAll } from "vitest";
import { startServer, type TestServer } from "../server";
import type { CliUser } from "./cliUser";
import type { WebUser } from "./webUser";

export interface RealServer {
  readonly url: string;
  readonly web: WebUser[];
  readonly cli: CliUser[];
}

export function realServer(): RealServer {
  let server: TestServer | undefined;
  const web: WebUser[] = [];
  const cli: CliUser[] = [];
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    web.forEach((u) => u.close());
    cli.forEach((u) => u.remove());
    await server?.stop();
  });
  return {
    get url() {
      if (!server) throw new Error("the server starts in beforeAll");
      return server.url;
    },
    web,
    cli,
  };
}
