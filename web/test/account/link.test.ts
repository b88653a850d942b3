// Account flows against the real server, and linking both ways with the Java CLI: a CLI device
// approved by this web core, and a web device approved by the CLI (`parley link-accept`).
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PingSchema } from "../../src/gen/parley/v1/parley_pb";
import { rmSync } from "node:fs";
import { toHex } from "../../src/core/bytes";
import { ServerError } from "../../src/core/contracts";
import { approveLink, inspectLink, listDevices, register, removeDevice, requestLink, setAccessKey, setDeliveryPolicy } from "../../src/core/account/accounts";
import { LocalDevice } from "../../src/core/account/identity";
import { certifies } from "../../src/core/account/certificates";
import { canonicalServerCode, linkFingerprint, splitLinkCode } from "../../src/core/account/linkCode";
import { IndexedDbVault } from "../../src/core/store/vault";
import { LastingLink } from "../../src/core/net/session";
import { startServer, stopProcess, type TestServer } from "../server";
import { cli, cliProfile, startCli, waitForOutput } from "./cli";
import { until } from "../net/until";

describe("account flows and linking with the Java CLI", () => {
  let server: TestServer;
  const profiles: string[] = [];
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
    for (const p of profiles) rmSync(p, { recursive: true, force: true });
  });

  it("registers, refuses a taken name, and keeps the device in the vault", async () => {
    const vault = await IndexedDbVault.create("account-register");
    const device = await register(vault, server.url, "Carol_Web");
    expect(device.username).toBe("carol_web");
    const loaded = (await LocalDevice.load(vault))!;
    expect(toHex(loaded.deviceId)).toBe(toHex(device.deviceId));
    expect(certifies(loaded.accountPublicKey, loaded.accountId, loaded.signaturePublicKey, loaded.deviceCertificate)).toBe(true);
    expect(JSON.stringify(loaded)).not.toContain(toHex(loaded.signaturePrivateKey));
    expect(String(loaded)).not.toContain(toHex(loaded.accountPrivateKey));
    await expect(register(vault, server.url, "other")).rejects.toThrow(/already holds carol_web/);
    const other = await IndexedDbVault.create("account-taken");
    const taken = await register(other, server.url, "carol_web").catch((e) => e);
    expect(taken).toBeInstanceOf(ServerError);
    expect(taken.code).toBe("USERNAME_TAKEN");
    expect(await LocalDevice.load(other)).toBeUndefined(); // a refusal leaves the profile as it was
    const session = await LastingLink.open(server.wsUrl, device);
    try {
      await setAccessKey(session, device.accessKey);
      await setDeliveryPolicy(session, true);
      await setDeliveryPolicy(session, false);
      await expect(setAccessKey(session, new Uint8Array(8))).rejects.toThrow(/16 to 32/);
    } finally {
      session.close();
    }
  });

  it("approves a CLI device (parley link) from the web core, and removes it again", async () => {
    const vault = await IndexedDbVault.create("account-approver");
    const alice = await register(vault, server.url, "alice_web");
    const session = await LastingLink.open(server.wsUrl, alice);
    const profile = cliProfile();
    profiles.push(profile);
    const linking = startCli(profile, ["link", "--server", server.url]);
    try {
      const code = (await waitForOutput(linking, /Link code: (\S+)/))[1];
      const parts = splitLinkCode(code);
      // A code with another device's fingerprint is refused before anything is sealed to that device.
      const wrongFingerprint = parts.serverCode + linkFingerprint(new Uint8Array(32), new Uint8Array(32));
      await expect(approveLink(session, alice, wrongFingerprint)).rejects.toThrow(/not the one showing it/);
      await expect(approveLink(session, alice, "ABCD-EFGH")).rejects.toThrow(/not a valid link code/);
      const pending = await inspectLink(session, alice, code);
      expect(pending.username).toBe("alice_web");
      expect(pending.fingerprint.replace(/-/g, "")).toBe(parts.fingerprint);
      const newDevice = await approveLink(session, alice, code);
      expect(await linking.exited).toBe(0);
      expect(linking.output()).toContain(`device ${toHex(newDevice)} of alice_web`);
      const devices = await listDevices(session, alice);
      expect(devices.map((d) => d.current).sort()).toEqual([false, true]);
      expect(await cli(profile, ["devices"])).toContain(toHex(alice.deviceId));
      await removeDevice(session, newDevice);
      expect((await listDevices(session, alice)).map((d) => toHex(d.deviceId))).toEqual([toHex(alice.deviceId)]);
      await expect(removeDevice(session, new Uint8Array(3))).rejects.toThrow(/16 bytes/);
    } finally {
      await stopProcess(linking.child);
      session.close();
      vault.close();
    }
  });

  it("is approved by the CLI (parley link-accept) and signs in as a device of the CLI's account", async () => {
    const profile = cliProfile();
    profiles.push(profile);
    await cli(profile, ["register", "bob_cli", "--server", server.url]);
    const vault = await IndexedDbVault.create("account-linked");
    const pending = await requestLink(vault, server.url, "bob_cli");
    expect(pending.code).toMatch(/^([0-9A-Z]{4}-){6}[0-9A-Z]{4}$/);
    expect(canonicalServerCode(pending.code.replace(/-/g, "").slice(0, 12))).toHaveLength(12);
    expect(pending.fingerprint.replace(/-/g, "")).toBe(pending.code.replace(/-/g, "").slice(12));
    const accepted = cli(profile, ["link-accept", pending.code, "--wait", "1"]);
    const bob = await pending.approved;
    expect(await accepted).toContain("is now linked to bob_cli");
    expect(bob.username).toBe("bob_cli");
    expect(toHex((await LocalDevice.load(vault))!.deviceId)).toBe(toHex(bob.deviceId));
    const session = await LastingLink.open(server.wsUrl, bob);
    try {
      const devices = await listDevices(session, bob);
      expect(devices).toHaveLength(2);
      expect(devices.find((d) => d.current)!.identityKey).toEqual(bob.signaturePublicKey);
    } finally {
      session.close();
      vault.close();
    }
  });

  it("links a second web device, and a removed device is refused when it signs in again", async () => {
    const vaultA = await IndexedDbVault.create("account-web-a");
    const first = await register(vaultA, server.url, "frank_web");
    const sessionA = await LastingLink.open(server.wsUrl, first);
    const vaultB = await IndexedDbVault.create("account-web-b");
    try {
      const pending = await requestLink(vaultB, server.url);
      await approveLink(sessionA, first, pending.code);
      const second = await pending.approved;
      expect(second.accountPublicKey).toEqual(first.accountPublicKey);
      expect(second.profileKey).toEqual(first.profileKey);
      const sessionB = await LastingLink.open(server.wsUrl, second, { timeoutMs: 5000 });
      const states: string[] = [];
      sessionB.onState((state, error) => states.push(`${state}${error ? `: ${error}` : ""}`));
      await removeDevice(sessionA, second.deviceId);
      sessionB.dropConnection(); // whether or not the server closed it, the next sign-in is refused
      await until(() => states.some((s) => s.startsWith("offline")), "the refusal", 20_000);
      expect(states.at(-1)).toMatch(/^offline: the server refused to sign this device in/);
      await expect(sessionB.request({ case: "ping", value: create(PingSchema) })).rejects.toBeInstanceOf(ServerError);
      sessionB.close();
    } finally {
      sessionA.close();
      vaultA.close();
      vaultB.close();
    }
  });

  it("refuses an approval for another account than the one asked for, and saves nothing", async () => {
    const profile = cliProfile();
    profiles.push(profile);
    await cli(profile, ["register", "dave_cli", "--server", server.url]);
    const vault = await IndexedDbVault.create("account-wrong-account");
    const pending = await requestLink(vault, server.url, "erin");
    await cli(profile, ["link-accept", pending.code, "--wait", "1"]);
    await expect(pending.approved).rejects.toThrow(/dave_cli, not of erin/);
    expect(await LocalDevice.load(vault)).toBeUndefined();
    vault.close();
  });
});

describe("the profile key", () => {
  it("rotates in place: the access key follows, and the vault keeps the new one", async () => {
    const server = await startServer();
    try {
      const vault = await IndexedDbVault.create("account-rotate");
      const device = await register(vault, server.url, "rotating");
      const before = device.accessKey;
      const next = new Uint8Array(32).fill(9);
      await expect(device.replaceProfileKey(vault, new Uint8Array(31))).rejects.toThrow(/32 bytes/);
      await device.replaceProfileKey(vault, next);
      expect(device.profileKey).toEqual(next);
      expect(device.accessKey).not.toEqual(before);
      expect((await LocalDevice.load(vault))!.accessKey).toEqual(device.accessKey);
      vault.close();
    } finally {
      await server.stop();
    }
  });
});
