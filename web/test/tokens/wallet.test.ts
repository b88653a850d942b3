// The wallet against the real server: tokens fetched in a batch, confirmed over the anonymous
// channel and spent; a server showing the anonymous channel another key gets its tokens dropped
// with a loud notice; a refused request becomes NoTokenError with the server's hint.
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenKeySchema, TokenKeysSchema } from "../../src/gen/parley/v1/parley_pb";
import { register } from "../../src/core/account/accounts";
import { IndexedDbVault } from "../../src/core/store/vault";
import { LastingLink } from "../../src/core/net/session";
import { AnonymousLink } from "../../src/core/net/anonymous";
import { NoTokenError, TOKEN_BATCH, TokenWallet, importTokenKey, type Slice } from "../../src/core/tokens/wallet";
import { GetTokenKeysSchema, SendSchema, RecipientAccountSchema, type SendToken } from "../../src/gen/parley/v1/parley_pb";
import { answerOf } from "../../src/core/net/connection";
import { randomBytes } from "../../src/core/bytes";
import { groupKey, wrapGroupMessage } from "../../src/core/wire/payloadWrap";
import { bufferOf } from "../../src/core/store/buffers";
import { startServer, type TestServer } from "../server";
import { scriptedServer } from "../net/scripted";

describe("the send-token wallet against the real server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(["--send-tokens-per-day=60"]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("fetches a batch, confirms the key anonymously, spends one token at a time, and tops up when low", async () => {
    const vault = await IndexedDbVault.create("wallet-spend");
    const device = await register(vault, server.url, "tokens_alice");
    const session = await LastingLink.open(server.wsUrl, device);
    const anonymous = new AnonymousLink(server.wsUrl);
    const notices: string[] = [];
    try {
      const wallet = await TokenWallet.open(vault, session, anonymous, (n) => notices.push(n));
      expect(wallet.low).toBe(true);
      expect(await wallet.topUp()).toBe(TOKEN_BATCH);
      expect(await wallet.topUp()).toBe(0); // not low any more
      const taken = await Promise.all([wallet.take(), wallet.take(), wallet.take()]);
      expect(new Set(taken.map((t) => Buffer.from(t.message).toString("hex"))).size).toBe(3); // never the same token twice
      expect(wallet.count).toBe(TOKEN_BATCH - 3);
      expect(notices).toEqual([]);
      // The wallet survives a restart in the vault.
      const again = await TokenWallet.open(vault, session, anonymous, (n) => notices.push(n));
      expect(again.count).toBe(TOKEN_BATCH - 3);
      // The account's daily quota (60) runs out: an empty wallet is filled at once with the last 10, then a refusal says when to try again.
      let spent = 3;
      let refused: unknown;
      while (refused === undefined) {
        await again.take().then(
          () => spent++,
          (e) => (refused = e),
        );
      }
      expect(spent).toBe(60);
      expect(refused).toBeInstanceOf(NoTokenError);
      expect((refused as NoTokenError).retryAfterMs).toBeGreaterThan(0);
      // A lost connection is no refusal: it says so, and nobody waits a minute for it.
      session.close();
      await expect(again.take()).rejects.toMatchObject({ name: "ServerError", code: "UNAVAILABLE" });
      again.close();
      wallet.close();
    } finally {
      session.close();
      anonymous.close();
      vault.close();
    }
  });

  it("drops tokens whose key the anonymous channel is not shown, with a loud notice", async () => {
    // A server that shows the anonymous connection a key of its own: tokens of the signed-in key would mark their account.
    const other = await crypto.subtle.generateKey(
      { name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-384" },
      true,
      ["sign", "verify"],
    );
    const otherKey = new Uint8Array(await crypto.subtle.exportKey("spki", other.publicKey));
    const day = BigInt(Math.floor(Date.now() / 86_400_000));
    const liar = await scriptedServer(() => ({ case: "tokenKeys", value: create(TokenKeysSchema, { keys: [create(TokenKeySchema, { day, publicKey: otherKey })] }) }));
    const vault = await IndexedDbVault.create("wallet-liar");
    const device = await register(vault, server.url, "tokens_bob");
    const session = await LastingLink.open(server.wsUrl, device);
    const anonymous = new AnonymousLink(liar.url);
    const notices: string[] = [];
    try {
      const wallet = await TokenWallet.open(vault, session, anonymous, (n) => notices.push(n));
      const error = await wallet.take().catch((e) => e);
      expect(error).toBeInstanceOf(NoTokenError);
      expect(notices).toHaveLength(1); // the batch was dropped, and no second batch is fetched within one take
      expect(notices[0]).toMatch(/not shown.*discarded/s);
      expect(wallet.count).toBe(0);
      wallet.close();
    } finally {
      session.close();
      anonymous.close();
      vault.close();
      await liar.close();
    }
  });
});

/** Idle slices the test hands out one at a time, so that it sees what the wallet does in each. */
class SliceGate {
  private readonly waiting: (() => void)[] = [];
  handedOut = 0;
  readonly slice: Slice = () => new Promise((resolve) => this.waiting.push(resolve));

  /** How many slices are asked for and not yet given. */
  get asked(): number {
    return this.waiting.length;
  }

  /** Gives one slice and lets the wallet run until it asks for the next one (or has nothing to do). */
  async give(): Promise<void> {
    const next = this.waiting.shift();
    if (!next) throw new Error("no slice was asked for");
    this.handedOut++;
    next();
    // The slice's work is done when the wallet asks for the next one; one that has no more work never asks.
    for (let waited = 0; this.waiting.length === 0 && waited < 2_000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Gives slices until `work` is done; resolves with its result. */
  async until<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const result = work.finally(() => (done = true));
    result.catch(() => undefined);
    while (!done) {
      if (this.waiting.length > 0) await this.give();
      else await new Promise((resolve) => setTimeout(resolve, 5)); // the server is answering
    }
    return result;
  }
}

/** Lets pending promise jobs and I/O callbacks run. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Fails instead of hanging when `promise` needs a slice nobody gives. */
function withoutSlices<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} waited for a slice`)), 10_000))]);
}

describe("the wallet blinds ahead of need, one token per idle slice", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("a send while the next batch is blinded takes a token at once, an empty wallet waits for one finalized token only, and the tokens verify at the server", async () => {
    const vault = await IndexedDbVault.create("wallet-slices");
    const device = await register(vault, server.url, "slices_carol");
    const session = await LastingLink.open(server.wsUrl, device);
    const anonymous = new AnonymousLink(server.wsUrl);
    const gate = new SliceGate();
    const wallet = await TokenWallet.open(vault, session, anonymous, () => undefined, { slice: gate.slice });
    try {
      // A fresh profile knows no key yet: the first batch is blinded in slices as it is fetched.
      expect(await gate.until(wallet.topUp())).toBe(TOKEN_BATCH);
      // A restart blinds nothing while the app starts; the app's topUp once started begins the next batch.
      const restartGate = new SliceGate();
      const restarted = await TokenWallet.open(vault, session, anonymous, () => undefined, { slice: restartGate.slice });
      await settled();
      expect(restartGate.asked).toBe(0);
      expect(await restarted.topUp()).toBe(0); // not low
      await settled();
      expect(restartGate.asked).toBe(1);
      restarted.close();
      // The next batch is being blinded under the key just shown, and is parked on its first slice.
      await settled();
      expect(gate.asked).toBe(1);
      expect(wallet.blindedAhead).toBe(0);
      const first = await withoutSlices(Promise.all([wallet.take(), wallet.take()]), "a send with tokens held");
      expect(wallet.count).toBe(TOKEN_BATCH - 2);
      expect(wallet.blindedAhead).toBe(0); // the sends ran no blinding
      // Each slice blinds one token, never more.
      for (let given = 1; given <= 5; given++) {
        await gate.give();
        expect(wallet.blindedAhead).toBe(given);
        expect(gate.asked).toBe(1);
      }
      // Let the batch finish, then empty the wallet.
      while (wallet.blindedAhead < TOKEN_BATCH) await gate.give();
      await settled();
      expect(gate.asked).toBe(0);
      const spent: SendToken[] = [...first];
      while (wallet.count > 0) spent.push(await withoutSlices(wallet.take(), "a send with tokens held"));
      // Empty: the send waits for the refill's round trip and its first Finalize, not for a batch's blinding or finalizing.
      const before = gate.handedOut;
      spent.push(await withoutSlices(wallet.take(), "a send on an empty wallet"));
      expect(gate.handedOut - before).toBe(0);
      // The rest of the batch is finalized one token per slice.
      const rest = gate.until(Promise.all(Array.from({ length: TOKEN_BATCH - 1 }, () => wallet.take())));
      spent.push(...(await rest));
      expect(spent).toHaveLength(2 * TOKEN_BATCH);
      expect(new Set(spent.map((t) => Buffer.from(t.message).toString("hex"))).size).toBe(spent.length);

      // Every token is an RSASSA-PSS signature (RFC 9474 section 4.5 Verify; section 5: a 48-byte salt) under the key the server shows...
      const shown = answerOf(await anonymous.request({ case: "getTokenKeys", value: create(GetTokenKeysSchema) }), "tokenKeys").keys;
      for (const token of spent) {
        const key = await importTokenKey(shown.find((k) => k.day === token.day)!.publicKey);
        expect(await crypto.subtle.verify({ name: "RSA-PSS", saltLength: 48 }, key, bufferOf(token.signature), bufferOf(token.message))).toBe(true);
      }
      // ...and the server takes one blinded ahead, and one finalized in a slice, as payment for a sealed send.
      for (const token of [spent[TOKEN_BATCH], spent[spent.length - 1]]) {
        const payload = await wrapGroupMessage(await groupKey(randomBytes(32)), randomBytes(20));
        const recipients = [create(RecipientAccountSchema, { accountId: device.accountId, deviceIds: [device.deviceId], accessKey: device.accessKey })];
        const send = create(SendSchema, { messageId: randomBytes(16), recipients, payload, sealed: true, token });
        expect(answerOf(await anonymous.request({ case: "send", value: send }), "sendAccepted")).toBeDefined();
      }
    } finally {
      wallet.close();
      session.close();
      anonymous.close();
      vault.close();
    }
  });
});
