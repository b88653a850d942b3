import { describe, expect, it } from "vitest";
import { concat, constantTimeEquals, fromHex, toHex } from "../src/core/bytes";

describe("bytes", () => {
  it("round-trips hex and refuses malformed hex", () => {
    expect(toHex(fromHex("00ff10"))).toBe("00ff10");
    expect(() => fromHex("abc")).toThrow("not a hex string");
    expect(() => fromHex("zz")).toThrow("not a hex string");
  });
  it("concatenates and compares", () => {
    expect(toHex(concat(fromHex("01"), fromHex("0203")))).toBe("010203");
    expect(constantTimeEquals(fromHex("0102"), fromHex("0102"))).toBe(true);
    expect(constantTimeEquals(fromHex("0102"), fromHex("0103"))).toBe(false);
    expect(constantTimeEquals(fromHex("01"), fromHex("0102"))).toBe(false);
  });
});
