// A server that forks a group (ARCHITECTURE, hostile server): bob is told his commit won while
// everyone else gets alice's for the same epoch, so bob and alice reach one epoch number by two
// different commits (as ForksAndDropsTest does it to Java clients). Each side's next message
// carries its fork tag (ForkTag.java's wire format): the web users and the CLI user in alice's
// version all see that the group split, and nobody reads the other version.
import { describe, expect, it } from "vitest";
import type { Groups } from "../../src/core/conversations/groups";
import { cliUser } from "./cliUser";
import { realServer } from "./realServer";
import { eventually, webUser } from "./webUser";

describe("a forked group", () => {
  const server = realServer();
  const { web, cli } = server;

  it("is detected by web and CLI members alike and shown in the web conversation", async () => {
    const alice = await webUser(server.url, "alice");
    const bob = await webUser(server.url, "bob");
    const carl = await cliUser(server.url, "carl");
    web.push(alice, bob);
    cli.push(carl);
    const team = await alice.app.createGroup("team", ["bob", "carl"]);
    await eventually(() => bob.app.conversations().some((c) => c.id === team), 60_000, "bob's invitation");
    await bob.app.accept(team);
    await carl.run(["accept", "alice"]);
    await alice.app.send(team, "hello team");
    await eventually(() => bob.app.messages(team).some((m) => m.text === "hello team"), 60_000, "bob reads the team");
    expect(await carl.run(["receive", "--wait=3"])).toMatch(/hello team/);

    // The hostile server's doing, played at bob's device: his commit "won" but reached no one else.
    const bobGroups = (bob.app as unknown as { groups: Groups }).groups;
    await bobGroups.exclusive(async () => {
      const group = bobGroups.active(team);
      group.merge(await group.commit([]));
      await bobGroups.save(group);
    });
    // alice's commit for the same epoch wins at the server, for everyone but bob.
    const epochBefore = alice.app.epoch(team);
    await alice.app.setAdmin(team, "carl", true);
    expect(alice.app.epoch(team)).toBe(epochBefore + 1n);
    expect(bob.app.epoch(team)).toBe(alice.app.epoch(team));
    expect(alice.app.conversations().find((c) => c.id === team)?.forked).toBe(false);

    await alice.app.send(team, "from alice's version");
    await eventually(() => bob.app.conversations().find((c) => c.id === team)?.forked, 60_000, "bob told the group split");
    await bob.app.send(team, "from bob's version");
    await eventually(() => alice.app.conversations().find((c) => c.id === team)?.forked, 60_000, "alice told the group split");
    expect(alice.events.some((e) => e.kind === "notice" && /different versions of it/.test(e.message))).toBe(true);

    const atCarl = await carl.run(["receive", "--wait=3"]);
    expect(atCarl).toMatch(/from alice's version/);
    expect(atCarl).toMatch(/the server gave members different versions of this group/);
    expect(atCarl).not.toMatch(/from bob's version/);
    expect(alice.app.messages(team).some((m) => m.text === "from bob's version")).toBe(false);
    expect(bob.app.messages(team).some((m) => m.text === "from alice's version")).toBe(false);
  }, 240_000);
});
