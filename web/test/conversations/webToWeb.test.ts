import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../server";
import { eventually, webUser, type WebUser } from "./webUser";

describe("two web users through a real server", () => {
  let server: TestServer;
  const users: WebUser[] = [];
  beforeAll(async () => {
    server = await startServer(["--media-port", "0"]);
  });
  afterAll(async () => {
    users.forEach((u) => u.close());
    await server?.stop();
  });

  it("chat 1:1 both ways, with a message request accepted", async () => {
    const ann = await webUser(server.url, "ann");
    const ben = await webUser(server.url, "ben");
    users.push(ann, ben);
    const id = await ann.app.openDirect("ben");
    await ann.app.send(id, "hello ben");
    const request = await eventually(() => ben.app.conversations().find((c) => c.id === id), 20_000, "ben's request");
    expect(request.request).toBe(true);
    expect(request.name).toBe("ann");
    await eventually(() => ben.app.messages(id).length === 1, 20_000, "ann's message at ben");
    expect(ben.app.messages(id)[0]).toMatchObject({ text: "hello ben", sender: "ann", outgoing: false });
    await expect(ben.app.send(id, "too early")).rejects.toThrow(/message request/);
    await ben.app.accept(id);
    await ben.app.send(id, "hi ann");
    await eventually(() => ann.app.messages(id).find((m) => m.text === "hi ann"), 20_000, "ben's answer");
    expect(ann.app.messages(id).at(-1)).toMatchObject({ sender: "ben", outgoing: false });
  });
});
