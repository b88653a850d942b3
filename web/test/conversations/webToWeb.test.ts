import { describe, expect, it, vi } from "vitest";
import { RECEIPTS_WAIT_MS } from "../../src/core/conversations/owedReceipts";
import { realServer } from "./realServer";
import { eventually, reopen, webUser, type WebUser } from "./webUser";

/** Counts the messages `user` sends from now on, sealed or not (each is a Send request on one of its two connections). */
function countSends(user: WebUser): { count: number } {
  const sends = { count: 0 };
  for (const link of [user.ctx.session, user.ctx.anonymous]) {
    const request = link.request.bind(link);
    link.request = (body, timeoutMs) => {
      if (body.case === "send") sends.count++;
      return request(body, timeoutMs);
    };
  }
  return sends;
}

// Sealed sends wait for send tokens, which a busy machine fetches slowly.
vi.setConfig({ testTimeout: 180_000 });

describe("two web users through a real server", () => {
  const server = realServer();
  const users = server.web;

  it("chat 1:1 both ways, with a message request accepted", async () => {
    const ann = await webUser(server.url, "ann");
    const ben = await webUser(server.url, "ben");
    users.push(ann, ben);
    const id = await ann.app.openDirect("ben");
    await ann.app.send(id, "hello ben");
    const request = await eventually(() => ben.app.conversations().find((c) => c.id === id), 60_000, "ben's request");
    expect(request.request).toBe(true);
    expect(request.name).toBe("ann");
    await eventually(() => ben.app.messages(id).length === 1, 60_000, "ann's message at ben");
    expect(ben.app.messages(id)[0]).toMatchObject({ text: "hello ben", sender: "ann", outgoing: false });
    await expect(ben.app.send(id, "too early")).rejects.toThrow(/message request/);
    await ben.app.accept(id);
    // Accepting sends what the request held back: a delivered receipt.
    await eventually(() => ann.app.messages(id)[0].status === "delivered", 60_000, "ben's delivered receipt");
    await ben.app.markRead(id);
    await eventually(() => ann.app.messages(id)[0].status === "read", 60_000, "ben's read receipt");
    expect(ben.app.conversations().find((c) => c.id === id)!.unread).toBe(0);
    await ben.app.send(id, "hi ann");
    await eventually(() => ann.app.messages(id).find((m) => m.text === "hi ann"), 60_000, "ben's answer");
    expect(ann.app.messages(id).at(-1)).toMatchObject({ sender: "ben", outgoing: false });
  });

  /** Two new web users: the first says hello in a 1:1, the second accepts it. */
  async function acceptedDirect(from: string, to: string): Promise<[WebUser, WebUser, string]> {
    const sender = await webUser(server.url, from);
    const receiver = await webUser(server.url, to);
    users.push(sender, receiver);
    const id = await sender.app.openDirect(to);
    await sender.app.send(id, `hello ${to}`);
    await eventually(() => receiver.app.messages(id).length === 1, 60_000, `${from}'s message at ${to}`);
    await receiver.app.accept(id);
    return [sender, receiver, id];
  }

  it("answer a message read at once with its read receipt alone, and one left unread with a delivered receipt", async () => {
    const [cat, dan, id] = await acceptedDirect("cat", "dan");
    await eventually(() => cat.app.messages(id)[0].status === "delivered", 60_000, "dan's delivered receipt");
    await new Promise((r) => setTimeout(r, RECEIPTS_WAIT_MS + 500)); // what accepting sends is sent
    const sent = countSends(dan);

    // dan has the chat open: the message is read as it arrives, and one receipt says read (and so delivered).
    const readAtOnce = await cat.app.send(id, "read at once");
    await eventually(() => dan.app.messages(id).some((m) => m.id === readAtOnce), 60_000, "the message at dan");
    await dan.app.markRead(id);
    await eventually(() => cat.app.messages(id).find((m) => m.id === readAtOnce)?.status === "read", 60_000, "dan's read receipt");
    await new Promise((r) => setTimeout(r, RECEIPTS_WAIT_MS + 500));
    expect(sent.count, "one receipt for a message read at once").toBe(1);

    // Not read: its delivered receipt follows within the wait.
    const unread = await cat.app.send(id, "not read yet");
    await eventually(() => cat.app.messages(id).find((m) => m.id === unread)?.status === "delivered", 60_000, "dan's delivered receipt");
    expect(sent.count).toBe(2);

    // Two messages read one at a time as they arrive, the second inside the first one's read
    // receipt wait (it is sent only once the first was read): one receipt names both.
    const one = await cat.app.send(id, "one");
    await eventually(() => dan.app.messages(id).some((m) => m.id === one), 60_000, "the first at dan");
    await dan.app.markRead(id);
    const readFirstAt = Date.now();
    const two = await cat.app.send(id, "two");
    await eventually(() => dan.app.messages(id).some((m) => m.id === two), 60_000, "the second at dan");
    await dan.app.markRead(id);
    expect(Date.now() - readFirstAt, "the second was read inside the first one's wait").toBeLessThan(RECEIPTS_WAIT_MS);
    const statusAtCat = (messageId: string) => cat.app.messages(id).find((m) => m.id === messageId)?.status;
    await eventually(() => statusAtCat(one) === "read" && statusAtCat(two) === "read", 60_000, "dan's read receipt for both");
    await new Promise((r) => setTimeout(r, RECEIPTS_WAIT_MS + 500));
    expect(sent.count, "one read receipt for the two").toBe(3);
  });

  it("send read receipts for the newest page of a long unread backlog only", async () => {
    const [eve, fay, id] = await acceptedDirect("eve", "fay");
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) ids.push(await eve.app.send(id, `number ${i}`));
    const status = (messageId: string) => eve.app.messages(id).find((m) => m.id === messageId)?.status;
    await eventually(() => ids.every((m) => status(m) === "delivered"), 120_000, "fay's delivered receipts");
    expect(fay.app.conversations().find((c) => c.id === id)!.unread).toBe(121);

    await fay.app.markRead(id);
    expect(fay.app.conversations().find((c) => c.id === id)!.unread).toBe(0);
    await eventually(() => ids.slice(20).every((m) => status(m) === "read"), 60_000, "fay's read receipt for the newest 100");
    expect(ids.slice(0, 20).map(status)).toEqual(Array(20).fill("delivered"));
  });
});

describe("a web group: members, admins, leaving, blocking, and a reload", () => {
  const server = realServer();
  const users = server.web;

  it("keeps every group and message across a reload, and goes on", async () => {
    const kim = await webUser(server.url, "kim");
    let lee = await webUser(server.url, "lee");
    users.push(kim);
    const id = await kim.app.createGroup("book club", ["lee"]);
    await kim.app.send(id, "first");
    await eventually(() => lee.app.messages(id).length === 1, 60_000, "the first message");
    await lee.app.accept(id);
    lee.close();
    const away = await kim.app.send(id, "while lee was away");
    // send resolves once queued; the server has it when the carrier says so.
    await eventually(() => kim.app.messages(id).find((m) => m.id === away)?.status === "sent", 60_000, "kim's message at the server");
    lee = await reopen(server.url, lee);
    users.push(lee);
    // The backlog is read before start() resolves.
    expect(lee.app.conversations().find((c) => c.id === id)).toMatchObject({ name: "book club", request: false, unread: 2 });
    // The conversation's messages are read from storage when first asked for (the list needed none).
    await eventually(() => lee.app.messages(id).length === 2, 10_000, "the stored messages read");
    expect(lee.app.messages(id).map((m) => m.text)).toEqual(["first", "while lee was away"]);
    await kim.app.send(id, "after the reload");
    await eventually(() => lee.app.messages(id).length === 3, 60_000, "a message after the reload");
    await lee.app.send(id, "and back");
    await eventually(() => kim.app.messages(id).some((m) => m.text === "and back"), 60_000, "lee's answer");
  });

  it("adds and removes members (admins only), and lets a member leave", async () => {
    const max = await webUser(server.url, "max");
    const nia = await webUser(server.url, "nia");
    const oli = await webUser(server.url, "oli");
    users.push(max, nia, oli);
    const id = await max.app.createGroup("team", ["nia"]);
    await eventually(() => nia.app.conversations().some((c) => c.id === id), 60_000, "nia's invitation");
    await nia.app.accept(id);
    await expect(nia.app.addMember(id, "oli")).rejects.toThrow(/only an admin of 'team' can add members; ask max/);
    await max.app.addMember(id, "oli");
    await eventually(() => oli.app.conversations().some((c) => c.id === id), 60_000, "oli's invitation");
    await eventually(() => nia.app.members(id).length === 3, 60_000, "oli at nia");
    await max.app.removeMember(id, "oli");
    await eventually(() => !oli.app.conversations().some((c) => c.id === id && !c.request) && nia.app.members(id).length === 2,
      20_000, "oli's removal");
    expect(oli.events.some((e) => e.kind === "notice" && /removed from team/.test(e.message))).toBe(true);
    // Nia leaves: her proposal is committed by max.
    await nia.app.leave(id);
    await eventually(() => max.app.members(id).length === 1, 60_000, "nia's departure at max");
    await max.app.send(id, "alone now");
  });

  it("blocks a user: their request is deleted and their messages dropped", async () => {
    const pam = await webUser(server.url, "pam");
    const rex = await webUser(server.url, "rex");
    users.push(pam, rex);
    const id = await rex.app.openDirect("pam");
    await rex.app.send(id, "buy now");
    await eventually(() => pam.app.conversations().some((c) => c.id === id && c.request), 60_000, "rex's request");
    await pam.app.block("rex");
    expect(pam.app.conversations().some((c) => c.id === id)).toBe(false);
    const again = await rex.app.openDirect("pam").catch(() => id);
    await rex.app.send(again, "really, buy now").catch(() => undefined);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(pam.app.conversations().every((c) => c.name !== "rex")).toBe(true);
  });
});
