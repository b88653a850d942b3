// Hostile input reaches a web user through the real server (or, for what an honest server never
// delivers, straight into its inbox): each is dropped and reported as a notice, and the user
// keeps receiving what follows.
import { create } from "@bufbuild/protobuf";
import { createCommit, createGroup, encodeMlsMessage, type ClientConfig, defaultKeyPackageEqualityConfig, defaultKeyRetentionConfig } from "ts-mls";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type Deliver, DeliverSchema, SendSchema, ServerFrameSchema } from "../../src/gen/parley/v1/parley_pb";
import { randomBytes, utf8 } from "../../src/core/bytes";
import { Consent } from "../../src/core/conversations/consent";
import type { Groups } from "../../src/core/conversations/groups";
import { Inbox } from "../../src/core/conversations/inbox";
import { OwedReceipts } from "../../src/core/conversations/owedReceipts";
import type { Outbox } from "../../src/core/conversations/outbox";
import { ConversationStore, GROUPS } from "../../src/core/conversations/store";
import { Contacts } from "../../src/core/keys/contacts";
import { checkKeyPackage, KeyPackages } from "../../src/core/keys/keyPackages";
import { ConversationSettings } from "../../src/core/mls/settings";
import { cipherSuite } from "../../src/core/mls/suite";
import { groupKey, wrapGroupMessage, wrapWelcome } from "../../src/core/wire/payloadWrap";
import { newAccount, newDevice } from "../mls/members";
import { startServer, type TestServer } from "../server";
import { eventually, webUser, type WebUser } from "./webUser";

const lawless: ClientConfig = {
  keyRetentionConfig: defaultKeyRetentionConfig,
  lifetimeConfig: { maximumTotalLifetime: 10n ** 9n, validateLifetimeOnReceive: false },
  keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
  paddingConfig: { kind: "padUntilLength", padUntilLength: 0 },
  authService: { validateCredential: async () => true },
};

// Sealed sends wait for send tokens, which a busy machine fetches slowly.
vi.setConfig({ testTimeout: 180_000 });

describe("hostile input at a web user", () => {
  let server: TestServer;
  let victim: WebUser;
  let attacker: WebUser;
  let direct: string;

  beforeAll(async () => {
    server = await startServer();
    victim = await webUser(server.url, "victim");
    attacker = await webUser(server.url, "attacker");
    direct = await attacker.app.openDirect("victim");
    await attacker.app.send(direct, "hello");
    await eventually(() => victim.app.messages(direct).length === 1, 60_000, "the first message");
    await victim.app.accept(direct);
  });
  beforeEach(() => {
    victim.events.length = 0;
  });
  afterAll(async () => {
    victim?.close();
    attacker?.close();
    await server?.stop();
  });

  /** Sends raw bytes to the victim's device, as any signed-in account may. */
  async function sendRaw(payload: Uint8Array): Promise<void> {
    const recipients = [{ accountId: victim.ctx.identity.accountId, deviceIds: [victim.ctx.identity.deviceId] }];
    const answer = await attacker.ctx.session.request({ case: "send", value: create(SendSchema, { messageId: randomBytes(16), recipients, payload }) });
    expect(answer.body.case).toBe("sendAccepted");
  }

  /** The victim reports something matching `pattern`, then still reads an ordinary message. */
  async function droppedAndStillWorking(pattern: RegExp): Promise<void> {
    await eventually(() => victim.events.some((e) => e.kind === "notice" && pattern.test(e.message)), 60_000, `a notice matching ${pattern}`);
    const text = `still here ${Math.random()}`;
    await attacker.app.send(direct, text);
    await eventually(() => victim.app.messages(direct).some((m) => m.text === text), 60_000, "the next message");
  }

  it("drops a payload of an unknown kind, and a truncated one", async () => {
    await sendRaw(utf8("<script>alert(1)</script>"));
    await droppedAndStillWorking(/dropped: a payload of unknown type/);
    await sendRaw(new Uint8Array([0x01, 1, 2, 3]));
    await droppedAndStillWorking(/dropped: a group message of 4 bytes/);
  });

  it("drops a message of a conversation the victim is not in", async () => {
    await sendRaw(await wrapGroupMessage(await groupKey(randomBytes(16)), randomBytes(300)));
    await droppedAndStillWorking(/key of no conversation/);
  });

  it("drops an MLS message for another group inside the wrapping of the victim's conversation", async () => {
    const fromHex = (h: string) => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16));
    const key = await groupKey(fromHex(direct));
    const other = randomBytes(16);
    // A well-formed PrivateMessage header naming another group (RFC 9420 section 6.3.1), then junk.
    const message = new Uint8Array([0x00, 0x01, 0x00, 0x02, 16, ...other, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00]);
    await sendRaw(await wrapGroupMessage(key, message));
    await droppedAndStillWorking(/dropped: (not an MLS message|a message wrapped for a conversation that is not an MLS message of it)/);
  });

  it("refuses a Welcome into a group holding a forged leaf", async () => {
    const cs = await cipherSuite();
    // Claim one of the victim's real key packages, as anyone may.
    const claimed = await attacker.ctx.session.request({ case: "claimKeyPackages", value: { $typeName: "parley.v1.ClaimKeyPackages", account: { case: "username", value: "victim" } } });
    if (claimed.body.case !== "claimedKeyPackages") throw new Error("no key packages");
    const device = claimed.body.value.packages[0];
    const checked = await checkKeyPackage(device.keyPackage, "victim", claimed.body.value.accountId, device.deviceId);
    // A creator whose certificate another key made, in a group of its own rules.
    const forged = newDevice(newAccount("mallory"), newAccount("someone").accountPrivateKey);
    const own = await new KeyPackages(new (await import("../mls/members")).MemoryVault(), forged).create(false);
    const state = await createGroup(randomBytes(16), own.publicPackage, own.privatePackage,
      ConversationSettings.group("trap", forged.accountId).initialExtensions(), cs, lawless);
    const result = await createCommit({ state, cipherSuite: cs }, {
      extraProposals: [{ proposalType: "add", add: { keyPackage: checked!.keyPackage } }], ratchetTreeExtension: true,
    });
    await sendRaw(wrapWelcome(encodeMlsMessage({ version: "mls10", wireformat: "mls_welcome", welcome: result.welcome! })));
    await droppedAndStillWorking(/invitation was refused/);
    expect(victim.app.conversations().some((c) => c.name === "trap")).toBe(false);
  });

  it("drops a huge text from a member", async () => {
    const internals = attacker.app as unknown as { outbox: Outbox; groups: Groups };
    await internals.groups.exclusive(() => internals.outbox.send(direct, {
      case: "text", value: { $typeName: "parley.content.v1.Text", text: "x".repeat(200_000) },
    }));
    await droppedAndStillWorking(/a text of 200000 characters/);
    expect(victim.app.messages(direct).some((m) => m.text.length > 1000)).toBe(false);
  });

  it("refuses to send a huge text", async () => {
    await expect(victim.app.send(direct, "y".repeat(100_000))).rejects.toThrow(/at most/);
  });

  it("drops in silence a byte-identical copy of a message the server stored twice (a send repeated after a lost acknowledgement)", async () => {
    const inbox = (victim.app as unknown as { inbox: Inbox }).inbox;
    const delivered: Deliver[] = [];
    const deliver = inbox.deliver.bind(inbox);
    inbox.deliver = async (copy: Deliver) => {
      delivered.push(copy);
      return deliver(copy);
    };
    try {
      await attacker.app.send(direct, "said once");
      await eventually(() => victim.app.messages(direct).some((m) => m.text === "said once"), 60_000, "the message");
      const copy = delivered[delivered.length - 1];
      await inbox.handlePush(create(ServerFrameSchema, { body: { case: "deliver", value: { ...copy, envelopeId: copy.envelopeId + (1n << 40n) } } }));
    } finally {
      inbox.deliver = deliver;
    }
    expect(victim.app.messages(direct).filter((m) => m.text === "said once")).toHaveLength(1);
    expect(victim.events.filter((e) => e.kind === "notice")).toEqual([]);
  });

  it("reports another ciphertext under a key already used (a replay), and keeps reading", async () => {
    const groups = (attacker.app as unknown as { groups: Groups }).groups;
    const before = groups.active(direct).toBytes();
    await attacker.app.send(direct, "the first under this key");
    await eventually(() => victim.app.messages(direct).some((m) => m.text === "the first under this key"), 60_000, "the first message");
    // The sender's group state rolled back: its next message is encrypted under the same key again.
    await groups.exclusive(async () => {
      await attacker.ctx.vault.put(GROUPS, direct, before);
      await groups.reload(direct);
    });
    await attacker.app.send(direct, "another under the same key");
    await droppedAndStillWorking(/dropped: a message that does not decrypt/);
    expect(victim.app.messages(direct).some((m) => m.text === "another under the same key")).toBe(false);
  });

  it("drops a Deliver whose copy was not sealed to this device (what an honest server never sends)", async () => {
    const events: string[] = [];
    const ctx = { ...victim.ctx, events: { emit: (e: { kind: string; message?: string }) => events.push(e.message ?? e.kind) } };
    const store = new ConversationStore(ctx.vault);
    const victimInternals = victim.app as unknown as { groups: Groups };
    const inbox = new Inbox(ctx, victimInternals.groups, store, new KeyPackages(ctx.vault, ctx.identity), new Contacts(ctx.vault),
      new Consent(ctx.vault, ctx.identity.accountId), new OwedReceipts(() => undefined), {
        later: () => undefined, commitPendingRemovals: async () => undefined, shareAccessKey: async () => undefined, adoptOwnProfileKey: async () => undefined,
        signal: () => undefined, noteExpiry: () => undefined,
      });
    for (const payload of [new Uint8Array(), randomBytes(31), randomBytes(500), new Uint8Array(300_000)]) {
      await inbox.deliver(create(DeliverSchema, { envelopeId: 1n << 40n, payload }));
    }
    expect(events).toHaveLength(4);
    expect(events.every((e) => /not sealed to this device/.test(e))).toBe(true);
  });
});
