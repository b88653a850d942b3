// The carrier against the real server: unsealed and sealed sends (a send token spent on the
// anonymous channel), the Deliver the server sealed to the recipient's mailbox key opened here,
// the persistent queue surviving a restart, limits holding a queue key back in order, and commits.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerFrame } from "../../src/gen/parley/v1/parley_pb";
import { randomBytes, toHex } from "../../src/core/bytes";
import { register, setDeliveryPolicy } from "../../src/core/account/accounts";
import type { LocalDevice } from "../../src/core/account/identity";
import { IndexedDbVault } from "../../src/core/store/vault";
import { LastingLink } from "../../src/core/net/session";
import { AnonymousLink } from "../../src/core/net/anonymous";
import { TokenWallet } from "../../src/core/tokens/wallet";
import { QueueCarrier } from "../../src/core/wire/carrier";
import { groupKey, unwrap, wrapGroupMessage } from "../../src/core/wire/payloadWrap";
import { commitKeyFromSeed, commitSignedContent, routingId } from "../../src/core/wire/commitAuthority";
import { startServer, type TestServer } from "../server";
import { until } from "../net/until";

interface Device {
  identity: LocalDevice;
  vault: IndexedDbVault;
  session: LastingLink;
  anonymous: AnonymousLink;
  wallet: TokenWallet;
  carrier: QueueCarrier;
  delivered: ServerFrame[];
  notices: string[];
  close(): void;
}

async function connect(server: TestServer, vault: IndexedDbVault, identity: LocalDevice): Promise<Device> {
  const session = await LastingLink.open(server.wsUrl, identity, { timeoutMs: 10_000 });
  const anonymous = new AnonymousLink(server.wsUrl, { timeoutMs: 10_000 });
  const notices: string[] = [];
  const wallet = await TokenWallet.open(vault, session, anonymous, (n) => notices.push(n));
  const carrier = await QueueCarrier.open(vault, session, anonymous, wallet);
  const delivered: ServerFrame[] = [];
  session.onPush((frame) => {
    if (frame.body.case === "deliver") delivered.push(frame);
  });
  return {
    identity, vault, session, anonymous, wallet, carrier, delivered, notices,
    close: () => {
      carrier.close();
      wallet.close();
      session.close();
      anonymous.close();
    },
  };
}

async function device(server: TestServer, name: string): Promise<Device> {
  const vault = await IndexedDbVault.create(`carrier-${name}`);
  return connect(server, vault, await register(vault, server.url, name));
}

function deliveredPayload(frame: ServerFrame): Uint8Array {
  if (frame.body.case !== "deliver") throw new Error("not a Deliver");
  return frame.body.value.payload;
}

describe("the carrier against the real server", () => {
  let server: TestServer;
  let alice: Device;
  let bob: Device;
  beforeAll(async () => {
    server = await startServer(["--unsealed-inbound-per-minute=1"]);
    alice = await device(server, "alice_carrier");
    bob = await device(server, "bob_carrier");
  });
  afterAll(async () => {
    alice?.close();
    bob?.close();
    await server?.stop();
  });

  const toBob = (accessKey?: Uint8Array) => [{ accountId: bob.identity.accountId, deviceIds: [bob.identity.deviceId], accessKey }];

  it("sends sealed with a token and unsealed, and the recipient opens what the server sealed to its mailbox key", async () => {
    const key = await groupKey(randomBytes(32));
    const sealedPayload = await wrapGroupMessage(key, new TextEncoder().encode("sealed hello"));
    const plainPayload = await wrapGroupMessage(key, new TextEncoder().encode("unsealed hello"));
    const sent: string[] = [];
    alice.carrier.onSent((queueKey, messageId) => sent.push(`${queueKey}:${toHex(messageId)}`));
    const sealedId = randomBytes(16);
    const plainId = randomBytes(16);
    await alice.carrier.send("group-1", sealedId, toBob(bob.identity.accessKey), sealedPayload);
    await alice.carrier.send("group-1", plainId, toBob(), plainPayload);
    await until(() => sent.length === 2, "both sends");
    expect(sent).toEqual([`group-1:${toHex(sealedId)}`, `group-1:${toHex(plainId)}`]);
    await until(() => alice.wallet.count === 49, "the rest of the batch finalized"); // a batch of 50 was fetched, one spent
    expect(alice.notices).toEqual([]);
    await until(() => bob.delivered.length >= 2, "two deliveries");
    const opened = await Promise.all(bob.delivered.map((d) => bob.identity.openMailboxCopy(deliveredPayload(d))));
    expect(opened).toEqual([sealedPayload, plainPayload]); // the server stored neither as it was sent
    expect(deliveredPayload(bob.delivered[0])).not.toEqual(sealedPayload);
    const texts = await Promise.all(opened.map(async (p) => new TextDecoder().decode(((await unwrap(p, [key])) as { mlsMessage: Uint8Array }).mlsMessage)));
    expect(texts).toEqual(["sealed hello", "unsealed hello"]);
  });

  it("holds a queue key back in order when the server rate-limits, and keeps the queue across a restart", async () => {
    const failed: string[] = [];
    alice.carrier.onFailed((_k, _m, e) => failed.push(e.code));
    // Bob takes one unsealed send a minute in bursts of two; the first test spent one.
    for (let i = 0; i < 3; i++) await alice.carrier.send("group-2", randomBytes(16), toBob(), await wrapGroupMessage(await groupKey(randomBytes(16)), randomBytes(10)));
    await alice.carrier.resume();
    expect(await alice.carrier.size()).toBe(2); // the first went; the second met the limit, the third waits behind it
    expect(failed).toEqual([]);
    const waiting = await alice.carrier.size();

    // A restart: the queue is in the vault; a new carrier on a new session finds it.
    alice.close();
    alice = await connect(server, alice.vault, alice.identity);
    expect(await alice.carrier.size()).toBe(waiting);
  });

  it("keeps the mailbox the server pushes right after sign-in for a listener that registers later", async () => {
    bob.close();
    const payload = await wrapGroupMessage(await groupKey(randomBytes(16)), randomBytes(20));
    const sent: string[] = [];
    alice.carrier.onSent((_k, id) => sent.push(toHex(id)));
    const id = randomBytes(16);
    await alice.carrier.send("group-3", id, toBob(bob.identity.accessKey), payload);
    await until(() => sent.includes(toHex(id)), "the sealed send");
    const session = await LastingLink.open(server.wsUrl, bob.identity);
    try {
      await new Promise((ok) => setTimeout(ok, 500)); // the backlog arrives while nobody listens yet
      const heard: ServerFrame[] = [];
      session.onPush((frame) => heard.push(frame));
      await until(() => heard.some((f) => f.body.case === "mailboxDrained"), "the drained mailbox");
      const copies = await Promise.all(heard.filter((f) => f.body.case === "deliver").map((f) => bob.identity.openMailboxCopy(deliveredPayload(f))));
      expect(copies).toContainEqual(payload);
    } finally {
      session.close();
    }
  });

  it("sends unsealed when a sealed send meets a changed access key, unless the recipient takes sealed mail only", async () => {
    const carol = await device(server, "carol_carrier");
    try {
      const toCarol = [{ accountId: carol.identity.accountId, deviceIds: [carol.identity.deviceId], accessKey: new Uint8Array(16).fill(1) }];
      const outcomes: string[] = [];
      const offSent = alice.carrier.onSent((_k, id) => outcomes.push(`sent ${toHex(id)}`));
      const offFailed = alice.carrier.onFailed((_k, id, e) => outcomes.push(`failed ${toHex(id)} ${e.code}`));
      const first = randomBytes(16);
      await alice.carrier.send("group-4", first, toCarol, await wrapGroupMessage(await groupKey(randomBytes(16)), randomBytes(5)));
      await until(() => outcomes.length === 1, "the first outcome");
      expect(outcomes).toEqual([`sent ${toHex(first)}`]);
      await until(() => carol.delivered.length === 1, "carol's copy");
      await setDeliveryPolicy(carol.session, true);
      const second = randomBytes(16);
      await alice.carrier.send("group-4", second, toCarol, await wrapGroupMessage(await groupKey(randomBytes(16)), randomBytes(5)));
      await until(() => outcomes.length === 2, "the second outcome");
      expect(outcomes[1]).toBe(`failed ${toHex(second)} ACCESS_DENIED`);
      offSent();
      offFailed();
    } finally {
      carol.close();
    }
  });

  it("submits commits: the first registers the group, a later one needs the epoch key's signature", async () => {
    const groupId = randomBytes(32);
    const routing = routingId(groupId);
    const epoch0 = commitKeyFromSeed(randomBytes(32));
    const epoch1 = commitKeyFromSeed(randomBytes(32));
    const self: { accountId: Uint8Array; deviceIds: Uint8Array[] }[] = []; // alone in the group: sealed, paid with a token
    const payload = await wrapGroupMessage(await groupKey(groupId), randomBytes(50));
    const first = await alice.carrier.submitCommit(routing, 0n, { messageId: randomBytes(16), recipients: self, payload }, undefined, epoch0.publicKey, new Uint8Array(0));
    expect(first.accepted).toBe(true);
    expect(first.currentEpoch).toBe(1n);
    const unsigned = await alice.carrier
      .submitCommit(routing, 1n, { messageId: randomBytes(16), recipients: self, payload }, undefined, epoch1.publicKey, new Uint8Array(64))
      .catch((e) => e);
    expect(unsigned.code).toBe("ACCESS_DENIED");
    const signature = epoch0.sign(commitSignedContent(routing, 1n, payload, new Uint8Array(0), epoch1.publicKey));
    const commitId = randomBytes(16);
    const second = await alice.carrier.submitCommit(routing, 1n, { messageId: commitId, recipients: self, payload }, undefined, epoch1.publicKey, signature);
    expect(second).toMatchObject({ accepted: true, currentEpoch: 2n });
    // The same commit again (as after a lost answer): the server names it the winner, so it counts as accepted.
    const again = await alice.carrier.submitCommit(routing, 1n, { messageId: commitId, recipients: self, payload }, undefined, epoch1.publicKey, signature);
    expect(again).toMatchObject({ accepted: true, currentEpoch: 2n });
    const stale = await alice.carrier.submitCommit(routing, 1n, { messageId: randomBytes(16), recipients: self, payload }, undefined, epoch1.publicKey, signature);
    expect(stale).toMatchObject({ accepted: false, currentEpoch: 2n });
  });
});
