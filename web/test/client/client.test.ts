// The ParleyApp of core/client.ts against the real server: profiles (none, unlocked, locked by a
// passphrase), register, reopen and sign in again, devices, and linking a second web device
// through the app on both sides.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppEvent } from "../../src/core/api";
import { createParley, deleteProfile, openParley, profileStatus } from "../../src/core/client";
import { startServer, type TestServer } from "../server";

describe("the app's profile and account", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("creates a profile, registers, reopens it signed in, and links a second device through the app", async () => {
    expect(await profileStatus("client-a")).toBe("none");
    const app = await createParley(server.url, undefined, "client-a");
    const events: AppEvent[] = [];
    app.subscribe((e) => events.push(e));
    expect(await profileStatus("client-a")).toBe("unlocked");
    expect(app.username).toBeUndefined();
    expect(app.conversations()).toEqual([]);
    await expect(app.openDirect("bob")).rejects.toThrow(/register or link first/);
    await expect(createParley(server.url, undefined, "client-a")).rejects.toThrow(/exists already/);

    await app.register("alice_app");
    expect(app.username).toBe("alice_app");
    expect(events).toContainEqual({ kind: "connection", state: "online" });
    const devices = await app.devices();
    expect(devices).toHaveLength(1);
    expect(devices[0].current).toBe(true);
    await expect(app.register("again")).rejects.toThrow(/already holds alice_app/);
    await app.close();

    const reopened = await openParley(undefined, "client-a");
    expect(reopened.username).toBe("alice_app");
    expect(reopened.serverUrl).toBe(server.url);

    const second = await createParley(server.url, undefined, "client-b");
    const link = await second.requestLink("alice_app");
    const pending = await reopened.inspectLink(link.code);
    expect(pending).toEqual({ username: "alice_app", fingerprint: link.fingerprint });
    await reopened.approveLink(link.code);
    await link.approved;
    expect(second.username).toBe("alice_app");
    const both = await reopened.devices();
    expect(both).toHaveLength(2);
    const other = both.find((d) => !d.current)!;
    expect(await second.devices()).toContainEqual({ ...other, current: true });
    await reopened.removeDevice(other.id);
    expect(await reopened.devices()).toHaveLength(1);
    await second.close();
    await reopened.close();
    await deleteProfile("client-a");
    await deleteProfile("client-b");
    expect(await profileStatus("client-a")).toBe("none");
  });

  it("keeps a passphrase profile locked until its passphrase is given", async () => {
    const app = await createParley(server.url, "a long passphrase", "client-locked");
    await app.close();
    expect(await profileStatus("client-locked")).toBe("locked");
    await expect(openParley("not it", "client-locked")).rejects.toThrow(/wrong passphrase/);
    await expect(openParley(undefined, "client-locked")).rejects.toThrow(/protected by a passphrase/);
    const opened = await openParley("a long passphrase", "client-locked");
    expect(opened.username).toBeUndefined();
    expect(opened.serverUrl).toBe(server.url);
    await opened.close();
    await expect(createParley("ftp://nowhere", undefined, "client-bad")).rejects.toThrow(/scheme/);
  });
});
