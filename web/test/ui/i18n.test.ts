// The catalogues: tsc already refuses a missing key; these catch what types cannot see.
import { describe, expect, it } from "vitest";
import { en } from "../../src/i18n/en";
import { ru } from "../../src/i18n/ru";
import { language, setLanguage, t } from "../../src/i18n";
import { MAX_MESSAGE_BYTES, tooLongError } from "../../src/ui/Composer";
import { parseUsernames } from "../../src/ui/NewConversation";
import { shortDuration } from "../../src/ui/TimerSetting";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("catalogues", () => {
  it("give every key the same placeholders in Russian as in English", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(ru[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it("have no empty text and no extra keys", () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of [...Object.entries(en), ...Object.entries(ru)]) expect(text.trim(), key).not.toBe("");
  });
});

describe("t", () => {
  it("fills placeholders once, leaving braces inside values alone", () => {
    setLanguage("en");
    expect(language()).toBe("en");
    expect(t("removeMember", { name: "{name}<b>" })).toBe("Remove {name}<b>");
    expect(t("removeMember")).toBe("Remove {name}");
    setLanguage("ru");
    expect(t("removeMember", { name: "bob" })).toBe("Удалить bob");
    setLanguage("en");
  });
});

describe("composer limits", () => {
  it("refuses text over 64 KiB of UTF-8, counting bytes rather than characters", () => {
    expect(tooLongError("a".repeat(MAX_MESSAGE_BYTES))).toBeUndefined();
    expect(tooLongError("a".repeat(MAX_MESSAGE_BYTES + 1))).toMatch(/too long/);
    // 'ж' is two bytes: half as many characters already reach the limit.
    expect(tooLongError("ж".repeat(MAX_MESSAGE_BYTES / 2 + 1))).toMatch(/too long/);
  });

  it("splits a typed member list at commas and spaces, once per name", () => {
    expect(parseUsernames(" bob, carol  dave,,bob ;eve")).toEqual(["bob", "carol", "dave", "eve"]);
    expect(parseUsernames("  ")).toEqual([]);
  });
});

describe("the timer's short value in the chat header", () => {
  it("names a duration in the largest unit that divides it, in the chosen language", () => {
    setLanguage("en");
    expect([300, 3600, 86_400, 604_800, 15, 90, 7200].map(shortDuration)).toEqual(["5m", "1h", "1d", "1w", "15s", "90s", "2h"]);
    setLanguage("ru");
    expect(shortDuration(3600)).toBe("1 ч");
    expect(shortDuration(300)).toBe("5 мин");
    setLanguage("en");
  });
});
