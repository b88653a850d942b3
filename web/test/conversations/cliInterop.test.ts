// The acceptance test of issue 14's conversations: web users (this core, in Node with fake
// IndexedDB and ws) and CLI users (the Java client, as `parley` commands) talk through a real
// server: 1:1 both ways, a message request accepted on each side, replies, edits, reactions and
// receipts both ways, and a group of a CLI user and two web users.
import { describe, expect, it } from "vitest";
import { realServer } from "./realServer";
import { cliUser } from "./cliUser";
import { eventually, webUser } from "./webUser";

describe("web and CLI users through a real server", () => {
  const server = realServer();
  const { web, cli } = server;

  it("chat 1:1 both ways, with requests, replies, edits, reactions and receipts", async () => {
    const wendy = await webUser(server.url, "wendy");
    const carl = await cliUser(server.url, "carl");
    web.push(wendy);
    cli.push(carl);

    // Web -> CLI: a message request at carl, accepted there.
    const id = await wendy.app.openDirect("carl");
    const first = await wendy.app.send(id, "hello carl, from the web");
    expect(await carl.run(["receive", "--wait=3"])).toMatch(/Message request from wendy/);
    await carl.run(["accept", "wendy"]);
    // Shown now, so carl's client sends wendy a read receipt.
    expect(await carl.run(["receive"])).toMatch(/wendy → carl: hello carl, from the web/);
    await eventually(() => wendy.app.messages(id).find((m) => m.id === first)?.status === "read", 60_000, "carl's read receipt");

    // CLI -> web, in the same 1:1.
    await carl.run(["send", "wendy", "hi wendy, from the cli"]);
    const fromCarl = await eventually(() => wendy.app.messages(id).find((m) => m.text === "hi wendy, from the cli"), 60_000, "carl's message");
    expect(fromCarl).toMatchObject({ sender: "carl", outgoing: false });
    expect(wendy.app.conversations().find((c) => c.id === id)).toMatchObject({ name: "carl", direct: true, request: false, unread: 1 });
    await wendy.app.markRead(id);

    // Web -> CLI: a reply, an edit and a reaction; carl sees each, and wendy's read receipt.
    await wendy.app.send(id, "a reply from the web", fromCarl.id);
    await wendy.app.edit(id, first, "hello carl, edited on the web");
    await wendy.app.react(id, fromCarl.id, "👍");
    const seen = await carl.run(["receive", "--wait=3"]);
    expect(seen).toMatch(/wendy → carl: \(reply\) a reply from the web/);
    expect(seen).toMatch(/wendy edited a message: hello carl, edited on the web/);
    expect(seen).toMatch(/wendy reacted 👍/);

    // CLI -> web: carl's chat reacts to, replies to and edits messages (#N numbers its history).
    const history = wendy.app.messages(id);
    const number = (text: string) => history.findIndex((m) => m.text.startsWith(text)) + 1;
    const chat = await carl.run(["chat", "wendy"], [
      `/react ${number("a reply from the web")} 🎉`,
      `/reply ${number("hello carl")} a reply from the cli`,
      `/edit ${number("hi wendy")} hi wendy, edited in the cli`,
      "/quit",
      "",
    ].join("\n"));
    // The chat's history shows wendy's read receipt on carl's message.
    expect(chat).toMatch(/hi wendy, from the cli\s+✓✓ read by wendy/);
    await eventually(() => wendy.app.messages(id).find((m) => m.text === "a reply from the cli"), 60_000, "carl's reply");
    const reply = wendy.app.messages(id).find((m) => m.text === "a reply from the cli")!;
    expect(reply.replyTo).toMatchObject({ id: first, sender: "wendy" });
    await eventually(() => wendy.app.messages(id).find((m) => m.id === fromCarl.id && m.edited && m.text === "hi wendy, edited in the cli"),
      20_000, "carl's edit");
    const reacted = wendy.app.messages(id).find((m) => m.text === "a reply from the web")!;
    expect(reacted.reactions).toEqual([{ emoji: "🎉", users: ["carl"] }]);
  }, 180_000);

  it("a CLI user's message request is accepted on the web", async () => {
    const wanda = await webUser(server.url, "wanda");
    const cora = await cliUser(server.url, "cora");
    web.push(wanda);
    cli.push(cora);
    await cora.run(["send", "wanda", "may I write to you?"]);
    const request = await eventually(() => wanda.app.conversations().find((c) => c.name === "cora"), 60_000, "cora's request");
    expect(request).toMatchObject({ request: true, direct: true });
    // The request's conversation is stored from cora's Welcome, before her message that comes after it.
    const first = await eventually(() => wanda.app.messages(request.id)[0], 60_000, "cora's first message");
    expect(first).toMatchObject({ text: "may I write to you?", sender: "cora" });
    await wanda.app.accept(request.id);
    await wanda.app.send(request.id, "yes, welcome");
    expect(await cora.run(["receive", "--wait=3"])).toMatch(/wanda → cora: yes, welcome/);
  }, 180_000);

  it("a group of a CLI user and two web users", async () => {
    const gina = await webUser(server.url, "gina");
    const hal = await webUser(server.url, "hal");
    const ivan = await cliUser(server.url, "ivan");
    web.push(gina, hal);
    cli.push(ivan);
    const id = await gina.app.createGroup("mixed", ["hal", "ivan"]);
    expect(gina.app.members(id).map((m) => m.username).sort()).toEqual(["gina", "hal", "ivan"]);
    await gina.app.send(id, "welcome to mixed");
    // Neither has accepted gina: a request at both.
    expect(await ivan.run(["receive", "--wait=3"])).toMatch(/Message request from gina in 'mixed'/);
    await ivan.run(["accept", "mixed"]);
    await eventually(() => hal.app.conversations().find((c) => c.id === id && c.request), 60_000, "hal's request");
    await hal.app.accept(id);
    await ivan.run(["send", "--group=mixed", "hello from the cli"]);
    await hal.app.send(id, "hello from hal");
    for (const user of [gina, hal]) {
      await eventually(() => user.app.messages(id).find((m) => m.text === "hello from the cli" && m.sender === "ivan"), 60_000, "ivan's message");
    }
    await eventually(() => gina.app.messages(id).find((m) => m.text === "hello from hal"), 60_000, "hal's message at gina");
    const atIvan = await ivan.run(["receive", "--wait=3"]);
    expect(atIvan).toMatch(/hal → mixed: hello from hal/);
    // Admin actions: gina makes hal an admin; hal then removes ivan.
    await gina.app.setAdmin(id, "hal", true);
    await eventually(() => hal.app.members(id).find((m) => m.username === "hal")?.admin, 60_000, "hal's promotion");
    await hal.app.removeMember(id, "ivan");
    await eventually(() => gina.app.members(id).length === 2, 60_000, "ivan's removal at gina");
    expect(await ivan.run(["receive", "--wait=2"])).toMatch(/removed/);
  }, 240_000);
});
