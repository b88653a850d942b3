// A device this account unlinks leaves its conversations at once (issue 14; OwnDevices in Java):
// the app that removes it commits its removal in every group it is still in, so it cannot read
// what is said there afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createParley, deleteProfile } from "../../src/core/client";
import type { Groups } from "../../src/core/conversations/groups";
import { toHex } from "../../src/core/bytes";
import { startServer, type TestServer } from "../server";
import { eventually, webUser, type WebUser } from "../conversations/webUser";

describe("unlinking a device through the app", () => {
  let server: TestServer;
  let bob: WebUser | undefined;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    bob?.close();
    await server?.stop();
  });

  it("removes the unlinked device from the conversations it was in", async () => {
    bob = await webUser(server.url, "bob");
    const first = await createParley(server.url, undefined, "unlink-a");
    await first.register("alice");
    const id = await first.openDirect("bob");
    await first.send(id, "hello bob");
    await eventually(() => bob!.app.messages(id).length === 1, 60_000, "alice's message");
    await bob.app.accept(id);

    const second = await createParley(server.url, undefined, "unlink-b");
    const link = await second.requestLink("alice");
    await first.approveLink(link.code);
    await link.approved;
    const secondId = (await second.devices()).find((d) => d.current)!.id;
    const devicesAtBob = () => bob!.app as unknown as { groups: Groups };
    const inGroup = () => devicesAtBob().groups.active(id).members().map((m) => toHex(m.credential.deviceId));
    await eventually(() => inGroup().includes(secondId), 120_000, "the linked device in the 1:1");
    await eventually(() => second.conversations().some((c) => c.id === id), 60_000, "the 1:1 on the linked device");

    await first.removeDevice(secondId);
    // Committed before removeDevice returned; bob's device applies the commit when it arrives.
    await eventually(() => !inGroup().includes(secondId), 60_000, "the unlinked device gone from the 1:1 at bob");
    await bob.app.send(id, "after the unlink");
    await eventually(() => first.messages(id).some((m) => m.text === "after the unlink"), 60_000, "bob's message at alice");
    expect(second.messages(id).some((m) => m.text === "after the unlink")).toBe(false);
    await second.close();
    await first.close();
    await deleteProfile("unlink-a");
    await deleteProfile("unlink-b");
  }, 240_000);
});
