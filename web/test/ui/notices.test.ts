// Repeats of one notice (a burst of dropped messages) collapse into one line with a count, in both
// languages; different notices stay apart, and only the newest few are kept.
import { afterEach, describe, expect, it } from "vitest";
import { setLanguage } from "../../src/i18n";
import { noticeLine, withNotice, type Notice } from "../../src/ui/Notices";

afterEach(() => setLanguage("en"));

const dropped = "A message that could not be read or broke the rules was dropped.";

function noticed(texts: string[]): Notice[] {
  return texts.reduce<Notice[]>((list, text, i) => withNotice(list, text, i), []);
}

describe("notices", () => {
  it("count repeats of the same sentence on the notice already shown, and move it to the bottom", () => {
    const list = noticed([dropped, "bob joined team.", dropped, dropped]);
    expect(list.map((n) => [n.text, n.count])).toEqual([
      ["bob joined team.", 1],
      [dropped, 3],
    ]);
    expect(list[1].id).toBe(0); // the same notice, so its element (and its place for the reader) stays
  });

  it("read as the sentence alone once, with the count from the second time, in English and Russian", () => {
    const [once] = noticed([dropped]);
    expect(noticeLine(once)).toBe(dropped);
    const [thrice] = noticed([dropped, dropped, dropped]);
    expect(noticeLine(thrice)).toBe(`${dropped} (3 times)`);
    setLanguage("ru");
    expect(noticeLine(thrice)).toBe(`${dropped} (случаев: 3)`);
  });

  it("keep the five newest different notices", () => {
    const list = noticed(["1", "2", "3", "4", "5", "6", "1"]);
    expect(list.map((n) => n.text)).toEqual(["3", "4", "5", "6", "1"]);
    expect(list.at(-1)!.count).toBe(1); // "1" had left the screen: it starts counting anew
  });
});
