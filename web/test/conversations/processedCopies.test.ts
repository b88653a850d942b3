// The window of processed application messages (ProcessedCopies): bounded per conversation,
// remembered only once its transaction committed, and kept across a restart of the app.
import { describe, expect, it } from "vitest";
import { PROCESSED_COPIES_WINDOW, ProcessedCopies } from "../../src/core/conversations/processedCopies";
import { utf8 } from "../../src/core/bytes";
import { MemoryVault } from "../mls/members";

describe("processed copies", () => {
  const hashOf = (n: number) => ProcessedCopies.hash(utf8(`message ${n}`));

  async function process(copies: ProcessedCopies, vault: MemoryVault, conversation: string, n: number): Promise<void> {
    const copy = await copies.remember(conversation, await hashOf(n));
    await vault.putAll([copy.write]);
    copies.committed(copy);
  }

  it("keeps the newest hashes of each conversation, across a restart", async () => {
    const vault = new MemoryVault();
    const copies = new ProcessedCopies(vault);
    for (let n = 0; n <= PROCESSED_COPIES_WINDOW; n++) await process(copies, vault, "aa", n);
    expect(await copies.seen("aa", await hashOf(0))).toBe(false); // overwritten by the 257th
    expect(await copies.seen("aa", await hashOf(PROCESSED_COPIES_WINDOW))).toBe(true);
    await process(copies, vault, "bb", 7);

    const restarted = new ProcessedCopies(vault);
    expect(await restarted.seen("aa", await hashOf(0))).toBe(false); // the oldest, beyond the window
    expect(await restarted.seen("aa", await hashOf(1))).toBe(true);
    expect(await restarted.seen("aa", await hashOf(PROCESSED_COPIES_WINDOW))).toBe(true);
    expect(await restarted.seen("bb", await hashOf(7))).toBe(true);
    expect(await restarted.seen("bb", await hashOf(8))).toBe(false);
    expect(await restarted.seen("aa", await hashOf(7))).toBe(true);
    expect(await restarted.seen("cc", await hashOf(7))).toBe(false);
    // It goes on from where it was: the next one overwrites the oldest kept, message 1.
    await process(restarted, vault, "aa", 1000);
    const again = new ProcessedCopies(vault);
    expect(await again.seen("aa", await hashOf(1))).toBe(false);
    expect(await again.seen("aa", await hashOf(2))).toBe(true);
    expect(await again.seen("aa", await hashOf(1000))).toBe(true);
  });

  it("knows a hash only once its transaction committed", async () => {
    const vault = new MemoryVault();
    const copies = new ProcessedCopies(vault);
    await copies.remember("aa", await hashOf(1)); // its transaction failed: never committed
    expect(await copies.seen("aa", await hashOf(1))).toBe(false);
    await process(copies, vault, "aa", 2);
    await copies.forget("aa");
    expect(await copies.seen("aa", await hashOf(2))).toBe(false);
    expect(await new ProcessedCopies(vault).seen("aa", await hashOf(2))).toBe(false);
  });
});
