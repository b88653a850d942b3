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
import { NoTokenError, TOKEN_BATCH, TokenWallet } from "../../src/core/tokens/wallet";
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
      // The account's daily quota (60) runs out: a refusal says when to try again.
      while (again.count > 0) await again.take();
      await again.take(); // an empty wallet is filled at once: the last 10 of the quota
      while (again.count > 0) await again.take();
      const refused = await again.take().catch((e) => e);
      expect(refused).toBeInstanceOf(NoTokenError);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
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
