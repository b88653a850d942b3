// A device this account unlinks leaves its conversations at once (issue 14; OwnDevices in Java):
// the app that removes it commits its removal in every group it is still in, so it cannot read
// what is said there afterwards. When another device unlinked it without committing that (the
// server tells nobody), the running app learns it from the server's answer to its next send,
// which names the recipient devices it no longer has, and removes it then, without a restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDevice } from "../../src/core/account/accounts";
import { createParley, deleteProfile } from "../../src/core/client";
import type { Groups } from "../../src/core/conversations/groups";
import type { LastingLink } from "../../src/core/net/session";
import { fromHex, toHex } from "../../src/core/bytes";
import { startServer, type TestServer } from "../server";
import { eventually, webUser, type WebUser } from "../conversations/webUser";

/** alice on two devices (`first`, `second`), both in her 1:1 with bob, which bob accepted. */
async function aliceOnTwoDevicesWith(bob: WebUser, server: TestServer, profile: string) {
  const first = await createParley(server.url, undefined, `${profile}-a`);
  await first.register(profile);
  const id = await first.openDirect(bob.username);
  await first.send(id, `hello from ${profile}`);
  await eventually(() => bob.app.messages(id).length === 1, 60_000, `${profile}'s message`);
  await bob.app.accept(id);

  const second = await createParley(server.url, undefined, `${profile}-b`);
  const link = await second.requestLink(profile);
  await first.approveLink(link.code);
  await link.approved;
  const secondId = (await second.devices()).find((d) => d.current)!.id;
  const inGroupAtBob = () => (bob.app as unknown as { groups: Groups }).groups.active(id).members().map((m) => toHex(m.credential.deviceId));
  await eventually(() => inGroupAtBob().includes(secondId), 120_000, "the linked device in the 1:1");
  await eventually(() => second.conversations().some((c) => c.id === id), 60_000, "the 1:1 on the linked device");
  const close = async () => {
    await second.close();
    await first.close();
    await deleteProfile(`${profile}-a`);
    await deleteProfile(`${profile}-b`);
  };
  return { first, second, id, secondId, inGroupAtBob, close };
}

describe("unlinking a device", () => {
  let server: TestServer;
  let bob: WebUser | undefined;
  beforeAll(async () => {
    server = await startServer();
    bob = await webUser(server.url, "bob");
  });
  afterAll(async () => {
    bob?.close();
    await server?.stop();
  });

  it("through the app removes it from the conversations it was in", async () => {
    const alice = await aliceOnTwoDevicesWith(bob!, server, "alice");
    await alice.first.removeDevice(alice.secondId);
    // Committed before removeDevice returned; bob's device applies the commit when it arrives.
    await eventually(() => !alice.inGroupAtBob().includes(alice.secondId), 60_000, "the unlinked device gone from the 1:1 at bob");
    await bob!.app.send(alice.id, "after the unlink");
    await eventually(() => alice.first.messages(alice.id).some((m) => m.text === "after the unlink"), 60_000, "bob's message at alice");
    expect(alice.second.messages(alice.id).some((m) => m.text === "after the unlink")).toBe(false);
    await alice.close();
  }, 240_000);

  it("elsewhere, without a commit, is removed by a running device at its next send", async () => {
    const ann = await aliceOnTwoDevicesWith(bob!, server, "ann");
    // What a device that unlinked it and then went away did: the server forgot the device, the
    // groups still hold it.
    const session = (ann.first as unknown as { running: { session: LastingLink } }).running.session;
    await removeDevice(session, fromHex(ann.secondId));
    expect(ann.inGroupAtBob()).toContain(ann.secondId);

    await ann.first.send(ann.id, "a message after the unlink elsewhere");
    await eventually(() => !ann.inGroupAtBob().includes(ann.secondId), 60_000, "the unlinked device gone from the 1:1 at bob");
    await eventually(() => bob!.app.messages(ann.id).some((m) => m.text === "a message after the unlink elsewhere"), 60_000, "ann's message at bob");
    await ann.close();
  }, 240_000);
});
