import { describe, expect, it } from "vitest";
import { randomBytes, toHex, utf8 } from "../../src/core/bytes";
import { ConversationStore, LAYOUT_VERSION, type StoredChat } from "../../src/core/conversations/store";
import { IndexedDbVault } from "../../src/core/store/vault";
import { MemoryVault } from "../mls/members";

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

  it("deletes messages older than the conversation's disappearing timer on load", async () => {
    const vault = new MemoryVault();
    const store = new ConversationStore(vault);
    await store.save({ ...conversation("a"), timerSeconds: 60 });
    await store.add(message("a", 1_000));
    await store.add(message("a", 100_000));
    const reloaded = new ConversationStore(vault);
    await reloaded.load(120_000);
    await reloaded.readNewest("a");
    expect(reloaded.messages("a").map((m) => m.sentAt)).toEqual([100_000]);
    expect(await reloaded.message("a", store.messages("a")[0].id)).toBeUndefined();
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

  it("clears a conversation's messages, ids included", async () => {
    const vault = new MemoryVault();
    const store = new ConversationStore(vault);
    await store.save(conversation("r"));
    const first = message("r", 1);
    await store.add(first);
    await store.add(message("r", 2));
    await store.clearMessages("r");
    expect(store.messages("r")).toEqual([]);
    expect(store.hasEarlier("r", 0)).toBe(false);
    expect(await vault.entries("messages:r")).toEqual([]);
    expect(await vault.entries("message-ids:r")).toEqual([]);
    expect(await store.add(first)).toBe(true); // forgotten, so it counts as new
  });
});
