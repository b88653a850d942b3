import { describe, expect, it } from "vitest";
import { randomBytes, toHex } from "../../src/core/bytes";
import { ConversationStore, type StoredChat } from "../../src/core/conversations/store";
import { MemoryVault } from "../mls/members";

function message(conversationId: string, sentAt: number, outgoing = false): StoredChat {
  return {
    id: toHex(randomBytes(16)), conversationId, sender: outgoing ? "me" : "bob", outgoing, sentAt, text: `message at ${sentAt}`,
    edited: false, deleted: false, reactions: [], status: "sent", deliveredTo: [], readBy: [],
  };
}

const conversation = (id: string) => ({ id, name: id, direct: false, request: false, left: false, unread: 0, timerSeconds: 0 });

describe("ConversationStore", () => {
  it("keeps messages in time order per conversation, once each, with unread counts and the last text", async () => {
    const vault = new MemoryVault();
    const store = new ConversationStore(vault);
    await store.save(conversation("a"));
    await store.save(conversation("b"));
    const late = message("a", 2000);
    const early = message("a", 1000);
    expect(await store.add(late)).toBe(true);
    expect(await store.add(early)).toBe(true);
    expect(await store.add(early)).toBe(false);
    await store.add(message("a", 3000, true));
    await store.add(message("b", 500));
    expect(store.messages("a").map((m) => m.sentAt)).toEqual([1000, 2000, 3000]);
    expect(store.messages("a", 2).map((m) => m.sentAt)).toEqual([2000, 3000]);
    expect(store.get("a")!.unread).toBe(2);
    expect(store.summaries().map((s) => [s.id, s.lastText])).toEqual([["a", "message at 3000"], ["b", "message at 500"]]);
    const reloaded = new ConversationStore(vault);
    await reloaded.load();
    expect(reloaded.messages("a").map((m) => m.id)).toEqual(store.messages("a").map((m) => m.id));
    expect(reloaded.get("a")!.unread).toBe(2);
  });

  it("never moves a status back, and fails only a queued message", async () => {
    const store = new ConversationStore(new MemoryVault());
    await store.save(conversation("a"));
    const mine = { ...message("a", 1, true), status: "queued" as const };
    await store.add(mine);
    await store.setStatus("a", mine.id, "read");
    await store.setStatus("a", mine.id, "sent");
    await store.setStatus("a", mine.id, "failed");
    expect(store.message("a", mine.id)!.status).toBe("read");
  });

  it("deletes messages whose disappearing time passed, on load and when expire() runs, and keeps those stored without one", async () => {
    const vault = new MemoryVault();
    const store = new ConversationStore(vault);
    await store.save({ ...conversation("a"), timerSeconds: 60 });
    await store.add(message("a", 500)); // stored before the timer was set: never expires
    await store.add({ ...message("a", 1_000), expiresAt: 61_000 });
    await store.add({ ...message("a", 100_000), expiresAt: 160_000 });
    const reloaded = new ConversationStore(vault);
    await reloaded.load(120_000);
    expect(reloaded.messages("a").map((m) => m.sentAt)).toEqual([500, 100_000]);
    expect(reloaded.nextExpiry()).toBe(160_000);

    expect(await reloaded.expire(159_999)).toEqual([]);
    expect(await reloaded.expire(160_000)).toEqual(["a"]);
    expect(reloaded.messages("a").map((m) => m.sentAt)).toEqual([500]);
    expect(reloaded.summaries()[0].lastText).toBe("message at 500");
    expect(reloaded.nextExpiry()).toBeUndefined();
    expect((await vault.entries("messages:a")).length).toBe(1);
  });

  it("opens a conversation of 10,000 messages in well under 200 ms once loaded", async () => {
    const vault = new MemoryVault();
    const store = new ConversationStore(vault);
    await store.save(conversation("big"));
    for (let i = 0; i < 10_000; i++) await store.add(message("big", i));
    const reloaded = new ConversationStore(vault);
    await reloaded.load();
    const started = performance.now();
    const shown = reloaded.messages("big", 10_000);
    const elapsed = performance.now() - started;
    expect(shown).toHaveLength(10_000);
    expect(elapsed).toBeLessThan(200);
  });
});
