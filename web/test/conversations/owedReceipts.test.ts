import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Receipt_Kind } from "../../src/gen/parley/content/v1/content_pb";
import { OwedReceipts, READ_RECEIPTS_AT_MOST, RECEIPTS_WAIT_MS } from "../../src/core/conversations/owedReceipts";

type Sent = { conversationId: string; kind: Receipt_Kind; ids: number[] };

describe("receipts owed and sent after the wait", () => {
  let sent: Sent[];
  let receipts: OwedReceipts;
  const id = (n: number) => new Uint8Array([n >> 8, n & 0xff]);
  const number = (bytes: Uint8Array) => (bytes[0] << 8) | bytes[1];

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    sent = [];
    receipts = new OwedReceipts((conversationId, kind, ids) => sent.push({ conversationId, kind, ids: ids.map(number) }));
  });
  afterEach(() => vi.useRealTimers());

  it("sends one receipt per conversation and kind once the wait is over, and a read message only as read", () => {
    receipts.oweDelivered("a", id(1));
    receipts.oweDelivered("a", id(2));
    receipts.oweDelivered("b", id(3));
    receipts.sendSoon();
    receipts.oweRead("a", [id(2)]);
    vi.advanceTimersByTime(RECEIPTS_WAIT_MS - 1);
    receipts.oweRead("a", [id(4)]); // inside the first wait: goes with it, does not extend it
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([
      { conversationId: "a", kind: Receipt_Kind.DELIVERED, ids: [1] },
      { conversationId: "b", kind: Receipt_Kind.DELIVERED, ids: [3] },
      { conversationId: "a", kind: Receipt_Kind.READ, ids: [2, 4] },
    ]);
    vi.advanceTimersByTime(10 * RECEIPTS_WAIT_MS);
    expect(sent).toHaveLength(3);
  });

  it("sends the delivered receipts at once when the backlog was pushed, owing none twice, while read ones keep their wait", () => {
    receipts.oweDelivered("a", id(1));
    receipts.oweDelivered("a", id(1)); // the same message stored twice is named once
    receipts.oweRead("b", [id(2)]); // owed before the backlog was pushed
    vi.advanceTimersByTime(RECEIPTS_WAIT_MS / 2);
    receipts.sendDeliveredNow();
    expect(sent).toEqual([{ conversationId: "a", kind: Receipt_Kind.DELIVERED, ids: [1] }]);
    vi.advanceTimersByTime(RECEIPTS_WAIT_MS / 2 - 1);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([
      { conversationId: "a", kind: Receipt_Kind.DELIVERED, ids: [1] },
      { conversationId: "b", kind: Receipt_Kind.READ, ids: [2] },
    ]);
    vi.advanceTimersByTime(10 * RECEIPTS_WAIT_MS);
    expect(sent).toHaveLength(2);
  });

  it("stops waiting when the backlog's delivered receipts were all that was owed", () => {
    receipts.oweDelivered("a", id(1));
    receipts.sendSoon();
    receipts.sendDeliveredNow();
    receipts.oweDelivered("a", id(3)); // stored after: waits for the next send, not the stopped wait
    vi.advanceTimersByTime(10 * RECEIPTS_WAIT_MS);
    expect(sent).toEqual([{ conversationId: "a", kind: Receipt_Kind.DELIVERED, ids: [1] }]);
    receipts.sendSoon();
    vi.advanceTimersByTime(RECEIPTS_WAIT_MS);
    expect(sent).toHaveLength(2);
  });

  it("names only the newest messages read, a message read again counting as newest", () => {
    const many = Array.from({ length: READ_RECEIPTS_AT_MOST + 20 }, (_, i) => id(i));
    receipts.oweRead("a", many);
    receipts.oweRead("a", [id(0)]);
    vi.advanceTimersByTime(RECEIPTS_WAIT_MS);
    expect(sent).toHaveLength(1);
    const named = sent[0].ids;
    expect(named).toHaveLength(READ_RECEIPTS_AT_MOST);
    expect(named.at(-1)).toBe(0);
    expect(named[0]).toBe(21);
  });

  it("drops what is owed on close: receipts are a courtesy, never retried", () => {
    receipts.oweDelivered("a", id(1));
    receipts.oweRead("a", [id(2)]);
    receipts.close();
    vi.advanceTimersByTime(10 * RECEIPTS_WAIT_MS);
    receipts.sendDeliveredNow();
    expect(sent).toEqual([]);
  });
});
