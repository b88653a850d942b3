import {
  createCommit,
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  joinGroup,
  type ClientConfig,
  type ClientState,
  type KeyPackage,
} from "ts-mls";
import { describe, expect, it } from "vitest";
import { randomBytes, toHex, utf8 } from "../../src/core/bytes";
import type { DeviceIdentity } from "../../src/core/contracts";
import { credentialOf, KeyPackages } from "../../src/core/keys/keyPackages";
import { toCredential } from "../../src/core/mls/credential";
import { MlsPolicyError } from "../../src/core/mls/errors";
import { decodeMessage, keyPackageRef, MlsGroup } from "../../src/core/mls/group";
import { GroupPolicy } from "../../src/core/mls/policy";
import { ConversationSettings } from "../../src/core/mls/settings";
import { CAPABILITIES, cipherSuite } from "../../src/core/mls/suite";
import { MemoryVault, newAccount, newDevice } from "./members";

// A member that skips Parley's checks, to send what an honest client never would.
const lawless: ClientConfig = {
  keyRetentionConfig: defaultKeyRetentionConfig,
  lifetimeConfig: { maximumTotalLifetime: 10n ** 9n, validateLifetimeOnReceive: false },
  keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
  paddingConfig: { kind: "padUntilLength", padUntilLength: 0 },
  authService: { validateCredential: async () => true },
};

const policyOf = (device: DeviceIdentity) =>
  new GroupPolicy({ username: device.username, accountId: device.accountId, accountPublicKey: device.accountPublicKey });

async function keyPackageOf(device: DeviceIdentity) {
  return new KeyPackages(new MemoryVault(), device).create(false);
}

async function newGroup(creator: DeviceIdentity, settings = ConversationSettings.group("friends", creator.accountId)) {
  const own = await keyPackageOf(creator);
  return MlsGroup.create(randomBytes(16), own.publicPackage, own.privatePackage, settings.initialExtensions(), policyOf(creator));
}

async function add(group: MlsGroup, packages: KeyPackage[]) {
  const pending = await group.commit(packages.map((keyPackage) => ({ proposalType: "add" as const, add: { keyPackage } })));
  group.merge(pending);
  return pending;
}

async function joined(device: DeviceIdentity, welcome: Uint8Array, own: { publicPackage: KeyPackage; privatePackage: { initPrivateKey: Uint8Array; hpkePrivateKey: Uint8Array; signaturePrivateKey: Uint8Array } }) {
  const message = decodeMessage(welcome);
  if (message.wireformat !== "mls_welcome") throw new Error("not a Welcome");
  return MlsGroup.join(message.welcome, own.publicPackage, own.privatePackage, policyOf(device));
}

async function send(from: MlsGroup, text: string) {
  return from.encrypt(utf8(text), new Uint8Array(8));
}

async function read(to: MlsGroup, bytes: Uint8Array) {
  const result = await to.process(decodeMessage(bytes));
  if (result.kind !== "application") throw new Error(`expected an application message, got ${result.kind}`);
  return { text: new TextDecoder().decode(result.data), sender: result.sender.credential.username };
}

/** Joins `device` by raw ts-mls with no checks of its own, from the Welcome that added it. */
async function lawlessJoin(welcome: Uint8Array, own: { publicPackage: KeyPackage; privatePackage: never }): Promise<ClientState> {
  const message = decodeMessage(welcome);
  if (message.wireformat !== "mls_welcome") throw new Error("not a Welcome");
  return joinGroup(message.welcome, own.publicPackage, own.privatePackage, emptyPskIndex, await cipherSuite(), undefined, undefined, lawless);
}

describe("MLS groups of Parley members", () => {
  const alice = newDevice(newAccount("alice"));
  const bobAccount = newAccount("bob");
  const bob = newDevice(bobAccount);
  const carol = newDevice(newAccount("carol"));

  it("creates a group, adds a member, and both read each other with the sender named", async () => {
    const group = await newGroup(alice);
    const bobPackage = await keyPackageOf(bob);
    const pending = await add(group, [bobPackage.publicPackage]);
    expect(pending.added.map((m) => m.credential.username)).toEqual(["bob"]);
    const { group: bobGroup, certified, inviter } = await joined(bob, pending.welcome!, bobPackage);
    expect(inviter?.credential.username).toBe("alice");
    expect(certified.map((c) => c.username)).toEqual(["alice"]);
    expect(bobGroup.epoch).toBe(1n);
    expect(toHex(bobGroup.epochAuthenticator)).toBe(toHex(group.epochAuthenticator));
    expect(await read(bobGroup, await send(group, "hello bob"))).toEqual({ text: "hello bob", sender: "alice" });
    expect(await read(group, await send(bobGroup, "hi alice"))).toEqual({ text: "hi alice", sender: "bob" });
    expect(toHex(await group.exportSecret("parley commit authority v1", new Uint8Array(), 32)))
      .toBe(toHex(await bobGroup.exportSecret("parley commit authority v1", new Uint8Array(), 32)));
  });

  it("drops a replayed message", async () => {
    const group = await newGroup(alice);
    const bobPackage = await keyPackageOf(bob);
    const { group: bobGroup } = await joined(bob, (await add(group, [bobPackage.publicPackage])).welcome!, bobPackage);
    const message = await send(group, "once");
    await read(bobGroup, message);
    await expect(bobGroup.process(decodeMessage(message))).rejects.toBeInstanceOf(MlsPolicyError);
    expect(await read(bobGroup, await send(group, "twice"))).toEqual({ text: "twice", sender: "alice" });
  });

  it("keeps working after being stored and loaded", async () => {
    const group = await newGroup(alice);
    const bobPackage = await keyPackageOf(bob);
    const { group: bobGroup } = await joined(bob, (await add(group, [bobPackage.publicPackage])).welcome!, bobPackage);
    const reloaded = await MlsGroup.fromBytes(bobGroup.toBytes(), policyOf(bob));
    expect(await read(reloaded, await send(group, "after reload"))).toEqual({ text: "after reload", sender: "alice" });
    expect(await read(group, await send(reloaded, "back"))).toEqual({ text: "back", sender: "bob" });
  });

  it("refuses to add a device whose certificate the account key did not sign", async () => {
    const forger = newAccount("mallory");
    const forged = newDevice(bobAccount, forger.accountPrivateKey);
    const group = await newGroup(alice);
    await expect(add(group, [(await keyPackageOf(forged)).publicPackage])).rejects.toThrow();
    expect(group.epoch).toBe(0n);
  });

  it("refuses a Welcome into a group holding a forged leaf", async () => {
    const forged = newDevice(newAccount("mallory"), newAccount("someone").accountPrivateKey);
    const cs = await cipherSuite();
    // The creator is lawless: it lets in a device whose certificate is by another key.
    const creatorPackage = await keyPackageOf(forged);
    const { createGroup } = await import("ts-mls");
    let state = await createGroup(randomBytes(16), creatorPackage.publicPackage, creatorPackage.privatePackage,
      ConversationSettings.group("trap", forged.accountId).initialExtensions(), cs, lawless);
    const bobPackage = await keyPackageOf(bob);
    const result = await createCommit({ state, cipherSuite: cs }, {
      extraProposals: [{ proposalType: "add", add: { keyPackage: bobPackage.publicPackage } }], ratchetTreeExtension: true,
    });
    state = result.newState;
    const welcome = encodeMlsMessage({ version: "mls10", wireformat: "mls_welcome", welcome: result.welcome! });
    await expect(joined(bob, welcome, bobPackage)).rejects.toThrow(MlsPolicyError);
  });

  it("refuses a device of an account with a second account key, and one that claims to be this account's", async () => {
    const cs = await cipherSuite();
    // Carol creates the group (its admin) and skips every check of her own.
    const carolPackage = await keyPackageOf(carol);
    const { createGroup } = await import("ts-mls");
    let carolState = await createGroup(randomBytes(16), carolPackage.publicPackage, carolPackage.privatePackage,
      ConversationSettings.group("trap", carol.accountId).initialExtensions(), cs, lawless);
    const alicePackage = await keyPackageOf(alice);
    const bobPackage = await keyPackageOf(bob);
    const adding = await createCommit({ state: carolState, cipherSuite: cs }, {
      extraProposals: [alicePackage, bobPackage].map((p) => ({ proposalType: "add" as const, add: { keyPackage: p.publicPackage } })),
      ratchetTreeExtension: true,
    });
    carolState = adding.newState;
    const welcome = encodeMlsMessage({ version: "mls10", wireformat: "mls_welcome", welcome: adding.welcome! });
    const { group: aliceGroup } = await joined(alice, welcome, alicePackage);
    const { group: bobGroup } = await joined(bob, welcome, bobPackage);
    // Carol adds a device that calls itself bob's: bob's account id, another account key (that certifies it).
    const impostor = newDevice({ ...newAccount("bob"), accountId: bobAccount.accountId });
    const impostorPackage = await generateKeyPackageWithKey(toCredential(credentialOf(impostor)), CAPABILITIES,
      { notBefore: 0n, notAfter: 2n ** 40n }, [], { signKey: impostor.signaturePrivateKey, publicKey: impostor.signaturePublicKey }, cs);
    const commit = await createCommit({ state: carolState, cipherSuite: cs }, {
      extraProposals: [{ proposalType: "add", add: { keyPackage: impostorPackage.publicPackage } }],
    });
    const bytes = encodeMlsMessage(commit.commit);
    await expect(aliceGroup.process(decodeMessage(bytes))).rejects.toThrow(/different account keys/);
    await expect(bobGroup.process(decodeMessage(bytes))).rejects.toThrow(/claims to be yours/);
    expect([aliceGroup.epoch, bobGroup.epoch]).toEqual([1n, 1n]);
    // Nothing moved: the group still works.
    expect(await read(bobGroup, await send(aliceGroup, "still here"))).toEqual({ text: "still here", sender: "alice" });
  });

  it("lets only admins add members, and refuses a commit from a removed member", async () => {
    const cs = await cipherSuite();
    const group = await newGroup(alice);
    const bobPackage = await keyPackageOf(bob);
    const carolPackage = await keyPackageOf(carol);
    const pending = await add(group, [bobPackage.publicPackage, carolPackage.publicPackage]);
    const { group: bobGroup } = await joined(bob, pending.welcome!, bobPackage);
    const carolState = await lawlessJoin(pending.welcome!, carolPackage as never);
    // Bob is no admin: his own client refuses to make the change.
    const dave = newDevice(newAccount("dave"));
    await expect(bobGroup.commit([{ proposalType: "add", add: { keyPackage: (await keyPackageOf(dave)).publicPackage } }]))
      .rejects.toThrow(/without being an admin/);
    // Alice (admin) removes carol; carol's later commit for the old epoch is refused.
    const carolLeaf = group.members().find((m) => m.credential.username === "carol")!.leafIndex;
    const removal = await group.commit([{ proposalType: "remove", remove: { removed: carolLeaf } }]);
    group.merge(removal);
    const processed = await bobGroup.process(decodeMessage(removal.commitMessage));
    expect(processed.kind === "commit" && processed.removed.map((m) => m.credential.username)).toEqual(["carol"]);
    const late = await createCommit({ state: carolState, cipherSuite: cs }, {});
    await expect(group.process(decodeMessage(encodeMlsMessage(late.commit)))).rejects.toThrow(MlsPolicyError);
    expect(group.members().map((m) => m.credential.username).sort()).toEqual(["alice", "bob"]);
  });

  it("changes the settings by a commit with a path that the other members process, and only an admin may", async () => {
    const group = await newGroup(alice);
    const bobPackage = await keyPackageOf(bob);
    const { group: bobGroup } = await joined(bob, (await add(group, [bobPackage.publicPackage])).welcome!, bobPackage);
    const promote = await group.commit([{
      proposalType: "group_context_extensions",
      groupContextExtensions: { extensions: group.settings().withAdmin(bob.accountId).replaceIn(group.extensions) },
    }]);
    group.merge(promote);
    const processed = await bobGroup.process(decodeMessage(promote.commitMessage));
    expect(processed.kind === "commit" && processed.settingsChanged).toBe(true);
    expect(bobGroup.settings().isAdmin(bob.accountId)).toBe(true);
    expect(toHex(bobGroup.epochAuthenticator)).toBe(toHex(group.epochAuthenticator));
    // Carol, no admin, cannot rename it; her own client says so before anything is sent.
    const carolPackage = await keyPackageOf(carol);
    const adding = await group.commit([{ proposalType: "add", add: { keyPackage: carolPackage.publicPackage } }]);
    group.merge(adding);
    await bobGroup.process(decodeMessage(adding.commitMessage));
    const { group: carolGroup } = await joined(carol, adding.welcome!, carolPackage);
    await expect(carolGroup.commit([{
      proposalType: "group_context_extensions",
      groupContextExtensions: { extensions: carolGroup.settings().withName("carol's").replaceIn(carolGroup.extensions) },
    }])).rejects.toThrow(/without being an admin/);
  });

  it("refuses a 1:1 that is not this account's, or that holds a third account", async () => {
    const direct = ConversationSettings.directBetween(alice.accountId, carol.accountId);
    const group = await newGroup(alice, direct);
    const bobPackage = await keyPackageOf(bob);
    // Alice's own client will not add bob to her 1:1 with carol.
    await expect(add(group, [bobPackage.publicPackage])).rejects.toThrow(/only its two people belong/);
  });

  it("keeps the private keys of its key packages by KeyPackageRef, and forgets a used one-time package", async () => {
    const vault = new MemoryVault();
    const packages = new KeyPackages(vault, bob);
    const made = await packages.create(false);
    const lastResort = await packages.create(true);
    const ref = await keyPackageRef(made.publicPackage);
    expect(toHex((await packages.bundle(ref))!.privatePackage.initPrivateKey)).toBe(toHex(made.privatePackage.initPrivateKey));
    await packages.consumed(ref);
    expect(await packages.bundle(ref)).toBeUndefined();
    const lastRef = await keyPackageRef(lastResort.publicPackage);
    await packages.consumed(lastRef);
    expect(await packages.bundle(lastRef)).toBeDefined();
  });
});
