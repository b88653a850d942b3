// Disappearing messages (issue 14): the timer is set from the web or the CLI and reaches the other
// side as a DisappearingTimer message, and messages vanish at their time while the app stays open,
// from what the UI reads and from the Vault.
import { describe, expect, it } from "vitest";
import { cliUser } from "./cliUser";
import { realServer } from "./realServer";
import { eventually, webUser } from "./webUser";

describe("disappearing messages between a web and a CLI user", () => {
  const server = realServer();
  const { web, cli } = server;

  it("a timer set on either side applies on both, and messages vanish while the app is open", async () => {
    const wendy = await webUser(server.url, "wendy");
    const carl = await cliUser(server.url, "carl");
    web.push(wendy);
    cli.push(carl);
    const id = await wendy.app.openDirect("carl");
    await wendy.app.send(id, "before any timer");
    await carl.run(["receive", "--wait=3"]);
    await carl.run(["accept", "wendy"]);

    // CLI -> web: the browser shows carl's setting.
    expect(await carl.run(["timer", "wendy", "1h"])).toMatch(/now disappear 1h after they are sent/);
    await eventually(() => wendy.app.conversations().find((c) => c.id === id)?.timerSeconds === 3600, 60_000, "carl's timer at wendy");
    expect(wendy.events.some((e) => e.kind === "notice" && e.message === "carl set disappearing messages to 1 hour.")).toBe(true);

    // Web -> CLI: carl's client hears wendy's setting. Ten seconds: long enough for a slow CLI start.
    await wendy.app.setTimer(id, 10);
    expect(wendy.app.conversations().find((c) => c.id === id)?.timerSeconds).toBe(10);
    expect(await carl.run(["receive", "--wait=3"])).toMatch(/wendy set disappearing messages to 10 s/);

    // Both a message wendy sends and one she receives vanish 10 s after they were sent, with no reload.
    const mine = await wendy.app.send(id, "gone soon, from the web");
    const sent = wendy.app.messages(id).find((m) => m.id === mine)!;
    expect(sent.expiresAt).toBe(sent.sentAt + 10_000);
    await carl.run(["send", "wendy", "gone soon, from the cli"]);
    const theirs = await eventually(() => wendy.app.messages(id).find((m) => m.text === "gone soon, from the cli"), 10_000, "carl's message");
    expect(theirs.expiresAt).toBe(theirs.sentAt + 10_000);
    await eventually(() => !wendy.app.messages(id).some((m) => m.text.startsWith("gone soon")), 30_000, "both messages to vanish");
    expect(Date.now()).toBeGreaterThanOrEqual(theirs.sentAt + 10_000);
    expect(wendy.events.some((e) => e.kind === "messages" && e.conversationId === id)).toBe(true);
    const stored = await wendy.ctx.vault.entries(`messages:${id}`);
    const texts = stored.map(([, value]) => (JSON.parse(new TextDecoder().decode(value)) as { text: string }).text);
    expect(texts).toContain("before any timer"); // stored before the timer: it stays, as in the Java client
    expect(texts.some((t) => t.startsWith("gone soon"))).toBe(false);
    expect(wendy.app.conversations().find((c) => c.id === id)?.lastText).toBe("before any timer");

    // Off again: new messages stay.
    await wendy.app.setTimer(id, 0);
    const kept = await wendy.app.send(id, "this one stays");
    expect(wendy.app.messages(id).find((m) => m.id === kept)?.expiresAt).toBeUndefined();
    await expect(wendy.app.setTimer(id, -1)).rejects.toThrow(/0 \(off\) to/);
    await expect(wendy.app.setTimer(id, 1.5)).rejects.toThrow(/0 \(off\) to/);
    await expect(wendy.app.setTimer(id, 400 * 86_400)).rejects.toThrow(/0 \(off\) to/);
  }, 240_000);
});
