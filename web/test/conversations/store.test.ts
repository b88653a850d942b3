import { describe, expect, it } from "vitest";
import { randomBytes, toHex, utf8 } from "../../src/core/bytes";
import { ConversationStore, LAYOUT_VERSION, markDeleted, type StoredChat } from "../../src/core/conversations/store";
import { IndexedDbVault } from "../../src/core/store/vault";
import { MemoryVault } from "../mls/members";
import { until } from "../net/until";

/** A vault that counts the message entries read, so a test sees what opening a conversation costs. */
class CountingVault extends MemoryVault {
  messageReads = 0;
  override async get(area: string, key: string) {
    if (area.startsWith("messages:")) this.messageReads++;
    return super.get(area, key);
  }
  override async entries(area: string) {
    const all = await super.entries(area);
    if (area.startsWith("messages:")) this.messageReads += all.length;
    return all;
  }
}

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
    expect(reloaded.get("a")!.unread).toBe(2);
    expect(reloaded.summaries().map((s) => [s.id, s.unread, s.lastText])).toEqual([["a", 2, "message at 3000"], ["b", 1, "message at 500"]]);
    await reloaded.readNewest("a");
    expect(reloaded.messages("a").map((m) => m.id)).toEqual(store.messages("a").map((m) => m.id));
    expect(await reloaded.add(early)).toBe(false); // once, also after a restart
  });

  it("shows the last message's edit in the conversation list, and nothing of it once deleted, also after a restart", async () => {
    const vault = new MemoryVault();
    const store = new ConversationStore(vault);
    await store.save(conversation("a"));
    const older = message("a", 1000);
    const last = message("a", 2000);
    await store.add(older);
    await store.add(last);
    await store.change("a", older.id, (m) => void (m.text = "older, edited"));
    expect(store.summaries()[0].lastText).toBe("message at 2000"); // not the one the list shows
    await store.change("a", last.id, (m) => void (m.text = "edited"));
    expect(store.summaries()[0].lastText).toBe("edited");
    await store.change("a", last.id, markDeleted);
    expect(store.summaries()[0].lastText).toBe("");
    const reloaded = new ConversationStore(vault);
    await reloaded.load();
    expect(reloaded.summaries()[0].lastText).toBe("");
    expect(new TextDecoder().decode((await vault.get("conversations", "a"))!)).not.toContain("edited");
  });

  it("never moves a status back, and fails only a queued message", async () => {
    const store = new ConversationStore(new MemoryVault());
    await store.save(conversation("a"));
    const mine = { ...message("a", 1, true), status: "queued" as const };
    await store.add(mine);
    await store.setStatus("a", mine.id, "read");
    await store.setStatus("a", mine.id, "sent");
    await store.setStatus("a", mine.id, "failed");
    expect((await store.message("a", mine.id))!.status).toBe("read");
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
    await reloaded.readNewest("a");
    expect(reloaded.messages("a").map((m) => m.sentAt)).toEqual([500, 100_000]);
    expect(await reloaded.message("a", store.messages("a")[1].id)).toBeUndefined();
    expect(reloaded.nextExpiry()).toBe(160_000);

    expect(await reloaded.expire(159_999)).toEqual([]);
    expect(await reloaded.expire(160_000)).toEqual(["a"]);
    expect(reloaded.messages("a").map((m) => m.sentAt)).toEqual([500]);
    expect(reloaded.summaries()[0]).toMatchObject({ lastText: "message at 500", lastAt: 500 });
    expect(reloaded.nextExpiry()).toBeUndefined();
    expect((await vault.entries("messages:a")).length).toBe(1);
    expect((await vault.entries("message-ids:a")).length).toBe(1);
    expect(await vault.entries("expiring:a")).toEqual([]);
  });

  it("deletes a message that expires while an older one that never does stays, with the app open", async () => {
    const store = new ConversationStore(new MemoryVault());
    await store.save(conversation("a"));
    await store.add(message("a", 1_000)); // the timer was off: it never disappears
    await store.save({ ...store.get("a")!, timerSeconds: 10 });
    const later = { ...message("a", 2_000), expiresAt: 12_000 };
    await store.add(later);
    expect(store.nextExpiry()).toBe(12_000);
    expect(await store.expire(11_999)).toEqual([]);
    expect(await store.expire(12_000)).toEqual(["a"]);
    expect(store.messages("a").map((m) => m.sentAt)).toEqual([1_000]);
    expect(await store.message("a", later.id)).toBeUndefined();
    expect(store.summaries()[0]).toMatchObject({ lastText: "message at 1000", lastAt: 1_000 });
    expect(store.get("a")).toMatchObject({ firstSeq: 0, nextSeq: 2 });
    expect(await store.expire(1e15)).toEqual([]);
    expect(store.nextExpiry()).toBeUndefined();
  });

  it("keeps each message's own time when the timer changes between messages", async () => {
    const vault = new MemoryVault();
    const store = new ConversationStore(vault);
    await store.save({ ...conversation("a"), timerSeconds: 3600 });
    const hour = { ...message("a", 1_000), expiresAt: 1_000 + 3_600_000 };
    await store.add(hour);
    await store.update("a", (state) => void (state.timerSeconds = 10));
    const tenSeconds = { ...message("a", 2_000), expiresAt: 12_000 };
    await store.add(tenSeconds);
    expect(store.nextExpiry()).toBe(12_000);
    expect(await store.expire(12_000)).toEqual(["a"]);
    expect(store.messages("a").map((m) => m.id)).toEqual([hour.id]);
    expect(store.nextExpiry()).toBe(3_601_000); // the shorter timer did not shorten the earlier message's time
    const reloaded = new ConversationStore(vault);
    await reloaded.load(3_600_999);
    expect(reloaded.nextExpiry()).toBe(3_601_000);
    expect(reloaded.summaries()[0]).toMatchObject({ lastText: "message at 1000", unread: 2 });
    expect(await reloaded.expire(3_601_000)).toEqual(["a"]);
    await reloaded.readNewest("a");
    expect(reloaded.messages("a")).toEqual([]);
    expect(reloaded.get("a")).toMatchObject({ firstSeq: 2, nextSeq: 2 });
    expect(reloaded.summaries()[0].lastText).toBeUndefined();
    expect(reloaded.hasEarlier("a", 0)).toBe(false);
  });

  it("expires messages outside the loaded window without reading the window's messages again, and starts still without reading a message", async () => {
    const vault = new CountingVault();
    const store = new ConversationStore(vault);
    await store.save(conversation("big"));
    const sent: StoredChat[] = [];
    for (let i = 0; i < 300; i++) {
      // The first two and the 150th disappear at 5000, one in the window later; the rest never.
      const expiresAt = i < 2 || i === 150 ? 5_000 : i === 290 ? 9_000 : undefined;
      sent.push({ ...message("big", i), expiresAt });
      await store.add(sent[i]);
    }
    vault.messageReads = 0;
    const reloaded = new ConversationStore(vault);
    await reloaded.load(4_000);
    expect(vault.messageReads).toBe(0);
    expect(reloaded.nextExpiry()).toBe(5_000);
    await reloaded.readNewest("big", 100);
    vault.messageReads = 0;
    expect(await reloaded.expire(5_000)).toEqual(["big"]);
    expect(vault.messageReads).toBe(4); // the three due, each read once for its id, and the first number kept
    expect(reloaded.messages("big").length).toBe(100);
    expect(reloaded.get("big")).toMatchObject({ firstSeq: 2, nextSeq: 300 });
    for (const gone of [sent[0], sent[1], sent[150]]) expect(await reloaded.message("big", gone.id)).toBeUndefined();
    expect((await reloaded.message("big", sent[149].id))!.sentAt).toBe(149);
    expect(await vault.get("messages:big", "0000000000000150")).toBeUndefined();
    expect(await vault.get("message-ids:big", sent[150].id)).toBeUndefined();
    expect((await vault.entries("expiring:big")).map(([key]) => key)).toEqual(["0000000000000290"]);
    expect(reloaded.summaries()[0].lastText).toBe("message at 299"); // the newest stayed
    expect(await reloaded.expire(9_000)).toEqual(["big"]);
    expect(reloaded.messages("big").some((m) => m.id === sent[290].id)).toBe(false);
    expect(reloaded.messages("big").length).toBe(99);
    await reloaded.readNewest("big");
    expect(reloaded.messages("big").length).toBe(296);
  });

  it("ignores an expiring entry that is not a time, rather than arm a timer at it", async () => {
    const vault = new MemoryVault();
    const store = new ConversationStore(vault);
    await store.save(conversation("a"));
    await store.add({ ...message("a", 1), expiresAt: 50_000 });
    await vault.put("expiring:a", "0000000000000007", utf8("soon"));
    const reloaded = new ConversationStore(vault);
    await reloaded.load(10_000);
    expect(reloaded.nextExpiry()).toBe(50_000);
  });

  it("starts without reading a message, opens a conversation of 10,000 by reading its last page, and reads older pages on demand", async () => {
    const vault = new CountingVault();
    const store = new ConversationStore(vault);
    await store.save(conversation("big"));
    const sent: StoredChat[] = [];
    for (let i = 0; i < 10_000; i++) {
      sent.push(message("big", i));
      await store.add(sent[i]);
    }
    vault.messageReads = 0;
    const reloaded = new ConversationStore(vault);
    await reloaded.load();
    expect(vault.messageReads).toBe(0);
    expect(reloaded.summaries()).toMatchObject([{ id: "big", unread: 10_000, lastText: "message at 9999" }]);
    expect(reloaded.messages("big", 100)).toEqual([]);
    expect(reloaded.wants("big", 100)).toBe(true);
    await reloaded.readNewest("big", 100);
    expect(vault.messageReads).toBe(100);
    expect(reloaded.messages("big", 100).map((m) => m.sentAt)).toEqual(sent.slice(-100).map((m) => m.sentAt));
    expect(reloaded.wants("big", 100)).toBe(false);
    expect(reloaded.hasEarlier("big", 100)).toBe(true);
    await reloaded.readNewest("big", 200); // the next page: only the 100 not read yet
    expect(vault.messageReads).toBe(200);
    expect(reloaded.messages("big", 200).map((m) => m.sentAt)).toEqual(sent.slice(-200).map((m) => m.sentAt));
    // An old message is found by its id (a reaction, an edit, a receipt to it) without reading the rest, and changed in place.
    await reloaded.change("big", sent[5].id, (m) => void (m.text = "edited"));
    expect(vault.messageReads).toBe(201);
    expect((await reloaded.message("big", sent[5].id))!.text).toBe("edited");
    // The unread ones to acknowledge come from the newest pages.
    expect((await reloaded.lastIncoming("big", 3)).map((m) => m.sentAt)).toEqual([9997, 9998, 9999]);
    expect(reloaded.hasEarlier("big", 10_000)).toBe(false);
  });

  it("renumbers a profile of the previous layout (messages keyed by time, no index) once, keeping summaries, order and ids", async () => {
    const vault = await IndexedDbVault.create("store-layout-1");
    try {
      // What the previous version wrote: the record without a layout, messages under "<sentAt, 16 digits>-<id>".
      const old = [message("c", 3000), message("c", 1000, true), message("c", 2000)];
      await vault.put("conversations", "c", utf8(JSON.stringify({ ...conversation("c"), unread: 2, lastText: "message at 3000", lastAt: 3000 })));
      for (const m of old) await vault.put("messages:c", `${String(m.sentAt).padStart(16, "0")}-${m.id}`, utf8(JSON.stringify(m)));
      const store = new ConversationStore(vault);
      await store.load();
      expect(store.get("c")).toMatchObject({ layout: LAYOUT_VERSION, firstSeq: 0, nextSeq: 3, unread: 2 });
      expect(store.summaries()).toMatchObject([{ id: "c", unread: 2, lastText: "message at 3000", lastAt: 3000 }]);
      await store.readNewest("c", 2);
      expect(store.messages("c").map((m) => m.sentAt)).toEqual([2000, 3000]);
      expect((await store.message("c", old[1].id))!.outgoing).toBe(true);
      expect((await vault.entries("messages:c")).map(([key]) => key)).toEqual(["0000000000000000", "0000000000000001", "0000000000000002"]);
      expect(await store.add(old[0])).toBe(false);
      const next = message("c", 4000);
      expect(await store.add(next)).toBe(true);
      // Loading again does not renumber again.
      const again = new ConversationStore(vault);
      await again.load();
      await again.readNewest("c");
      expect(again.messages("c").map((m) => m.sentAt)).toEqual([1000, 2000, 3000, 4000]);
      expect(again.get("c")!.unread).toBe(3);
    } finally {
      vault.close();
    }
  });

  it("renumbers a profile of the previous layout whose messages disappear: their expiries go to the expiring area, and what is due goes at load", async () => {
    const vault = await IndexedDbVault.create("store-layout-1-expiring");
    try {
      const due = { ...message("e", 1000), expiresAt: 11_000 };
      const never = message("e", 2000);
      const later = { ...message("e", 3000), expiresAt: 63_000 };
      await vault.put("conversations", "e", utf8(JSON.stringify({ ...conversation("e"), timerSeconds: 60, unread: 3, lastText: "message at 3000", lastAt: 3000 })));
      for (const m of [later, due, never]) await vault.put("messages:e", `${String(m.sentAt).padStart(16, "0")}-${m.id}`, utf8(JSON.stringify(m)));
      const store = new ConversationStore(vault);
      await store.load(20_000);
      expect(store.get("e")).toMatchObject({ layout: LAYOUT_VERSION, firstSeq: 1, nextSeq: 3 });
      expect((await vault.entries("expiring:e")).map(([key, value]) => [key, new TextDecoder().decode(value)])).toEqual([["0000000000000002", "63000"]]);
      expect(await store.message("e", due.id)).toBeUndefined();
      expect(store.nextExpiry()).toBe(63_000);
      await store.readNewest("e");
      expect(store.messages("e").map((m) => m.id)).toEqual([never.id, later.id]);
      // After a restart the expiry is still known without reading a message.
      const again = new ConversationStore(vault);
      await again.load(20_000);
      expect(again.nextExpiry()).toBe(63_000);
      expect(await again.expire(63_000)).toEqual(["e"]);
      expect(again.summaries()[0]).toMatchObject({ lastText: "message at 2000", lastAt: 2000 });
      await again.readNewest("e");
      expect(again.messages("e").map((m) => m.id)).toEqual([never.id]);
    } finally {
      vault.close();
    }
  });

  it("clears a conversation's messages, ids included", async () => {
    const vault = new MemoryVault();
    const store = new ConversationStore(vault);
    await store.save(conversation("r"));
    const first = message("r", 1);
    await store.add(first);
    await store.add(message("r", 2));
    await store.add({ ...message("r", 3), expiresAt: 10_000 });
    await store.clearMessages("r");
    expect(store.messages("r")).toEqual([]);
    expect(store.hasEarlier("r", 0)).toBe(false);
    expect(await vault.entries("messages:r")).toEqual([]);
    expect(await vault.entries("message-ids:r")).toEqual([]);
    expect(await vault.entries("expiring:r")).toEqual([]);
    expect(store.nextExpiry()).toBeUndefined();
    expect(await store.add(first)).toBe(true); // forgotten, so it counts as new
  });
  it("shows a new message while its one write (with what the caller adds) commits, and takes it out again when that write fails", async () => {
    const writes: { release: () => void; fail: boolean }[] = [];
    /** Holds every putAll until the test releases it; fails it when told. */
    class HeldVault extends MemoryVault {
      override async putAll(entries: [string, string, Uint8Array][]) {
        const held = { release: () => {}, fail: false };
        writes.push(held);
        await new Promise<void>((ok) => (held.release = ok));
        if (held.fail) throw new Error("the disk is full");
        await super.putAll(entries);
      }
    }
    const vault = new HeldVault();
    const store = new ConversationStore(vault);
    await store.save(conversation("a"));
    const incoming = message("a", 1000);
    let shownWith: string[] = [];
    const adding = store.add(incoming, { with: () => [["groups", "a", utf8("state")]], shown: () => (shownWith = store.messages("a").map((m) => m.id)) });
    await until(() => writes.length === 1, "the first write");
    expect(shownWith).toEqual([incoming.id]); // shown before anything committed
    expect(await vault.get("groups", "a")).toBeUndefined();
    writes[0].fail = true;
    writes[0].release();
    await expect(adding).rejects.toThrow("the disk is full");
    expect(store.messages("a")).toEqual([]);
    expect(store.get("a")).toMatchObject({ unread: 0, nextSeq: 0 });
    expect(store.summaries()[0].lastText).toBeUndefined();

    const again = store.add(incoming, { with: () => [["groups", "a", utf8("state")]] });
    await until(() => writes.length === 2, "the second write");
    writes[1].release();
    expect(await again).toBe(true); // the failed write did not make it a duplicate
    expect(await vault.get("groups", "a")).toEqual(utf8("state"));
    const reloaded = new ConversationStore(vault);
    await reloaded.load();
    await reloaded.readNewest("a");
    expect(reloaded.messages("a").map((m) => m.id)).toEqual([incoming.id]);
    expect(reloaded.get("a")!.unread).toBe(1);
  });
});
