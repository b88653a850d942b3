// The wallet's RSA work through the worker protocol (rsaWork.ts, as blinder.ts serves it): over a
// MessageChannel, so that every key, message and inverse crosses a structured clone as it does to
// a Web Worker (vitest's Node has none; the Playwright chat specs load the real one). The tokens
// must verify and pay for a sealed send at the real server, no main-thread slice may be used, and
// a worker that dies or answers nonsense must neither hang a send nor yield a bad token.
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { register } from "../../src/core/account/accounts";
import { IndexedDbVault } from "../../src/core/store/vault";
import { LastingLink } from "../../src/core/net/session";
import { AnonymousLink } from "../../src/core/net/anonymous";
import { NoTokenError, TOKEN_BATCH, TokenWallet, importTokenKey } from "../../src/core/tokens/wallet";
import { WorkerRsa, serveRsa, type RsaPort, type Slice } from "../../src/core/tokens/rsaWork";
import { GetTokenKeysSchema, RecipientAccountSchema, SendSchema, type SendToken } from "../../src/gen/parley/v1/parley_pb";
import { answerOf } from "../../src/core/net/connection";
import { randomBytes } from "../../src/core/bytes";
import { groupKey, wrapGroupMessage } from "../../src/core/wire/payloadWrap";
import { bufferOf } from "../../src/core/store/buffers";
import { startServer, type TestServer } from "../server";

/** Two ports of a MessageChannel, started; the first served as the worker's side unless told otherwise. */
function channel(serve = true): { wallet: MessagePort; worker: MessagePort; close: () => void } {
  const { port1, port2 } = new MessageChannel();
  if (serve) serveRsa(port1 as unknown as RsaPort);
  port1.start();
  port2.start();
  return { wallet: port2, worker: port1, close: () => (port1.close(), port2.close()) };
}

const noSlices: Slice = () => Promise.reject(new Error("the worker path asked for a main-thread slice"));

describe("the wallet's RSA work through the worker protocol", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function withWallet(name: string, rsa: (slice: Slice) => WorkerRsa, slice: Slice, use: (wallet: TokenWallet, pay: (t: SendToken) => Promise<void>, verify: (t: SendToken) => Promise<boolean>) => Promise<void>) {
    const vault = await IndexedDbVault.create(`wallet-worker-${name}`);
    const device = await register(vault, server.url, `worker_${name}`);
    const session = await LastingLink.open(server.wsUrl, device);
    const anonymous = new AnonymousLink(server.wsUrl);
    const wallet = await TokenWallet.open(vault, session, anonymous, () => undefined, { rsa: rsa(slice) });
    const verify = async (token: SendToken) => {
      const shown = answerOf(await anonymous.request({ case: "getTokenKeys", value: create(GetTokenKeysSchema) }), "tokenKeys").keys;
      const key = await importTokenKey(shown.find((k) => k.day === token.day)!.publicKey);
      return crypto.subtle.verify({ name: "RSA-PSS", saltLength: 48 }, key, bufferOf(token.signature), bufferOf(token.message));
    };
    const pay = async (token: SendToken) => {
      const payload = await wrapGroupMessage(await groupKey(randomBytes(32)), randomBytes(20));
      const recipients = [create(RecipientAccountSchema, { accountId: device.accountId, deviceIds: [device.deviceId], accessKey: device.accessKey })];
      const send = create(SendSchema, { messageId: randomBytes(16), recipients, payload, sealed: true, token });
      expect(answerOf(await anonymous.request({ case: "send", value: send }), "sendAccepted")).toBeDefined();
    };
    try {
      await use(wallet, pay, verify);
    } finally {
      wallet.close();
      session.close();
      anonymous.close();
      vault.close();
    }
  }

  it("blinds and finalizes without a main-thread slice, and its tokens verify (RFC 9474 section 4.5) and pay for a sealed send", async () => {
    const ports = channel();
    try {
      await withWallet("plain", (slice) => new WorkerRsa(ports.wallet, slice), noSlices, async (wallet, pay, verify) => {
        expect(await wallet.topUp()).toBe(TOKEN_BATCH);
        const spent: SendToken[] = [];
        while (wallet.count > 0) spent.push(await wallet.take());
        // The next batch was blinded ahead in the worker; an empty wallet refills with it.
        spent.push(await wallet.take());
        expect(new Set(spent.map((t) => Buffer.from(t.message).toString("hex"))).size).toBe(TOKEN_BATCH + 1);
        for (const token of spent) expect(await verify(token)).toBe(true);
        await pay(spent[0]);
        await pay(spent[TOKEN_BATCH]);
      });
    } finally {
      ports.close();
    }
  });

  it("a worker that never answers and then fails: the owed work is done on the main thread in slices, and the tokens still pay", async () => {
    const ports = channel(false); // nobody serves: the worker did not load
    let rsa: WorkerRsa | undefined;
    let slices = 0;
    const counted: Slice = () => (slices++, new Promise((resolve) => setTimeout(resolve, 0)));
    try {
      await withWallet("dead", (slice) => (rsa = new WorkerRsa(ports.wallet, slice)), counted, async (wallet, pay, verify) => {
        const first = wallet.topUp();
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(slices).toBe(0);
        rsa!.failed(); // as the Worker's error event does
        expect(await first).toBe(TOKEN_BATCH);
        expect(slices).toBeGreaterThanOrEqual(TOKEN_BATCH);
        const token = await wallet.take();
        expect(await verify(token)).toBe(true);
        await pay(token);
      });
    } finally {
      ports.close();
    }
  });

  it("a worker answering nonsense or an error yields a refusal, never a token", async () => {
    for (const hostile of [(id: number) => ({ id, signature: new Uint8Array(3) }), (id: number) => ({ id, error: "boom" }), (id: number) => ({ id })]) {
      const ports = channel(false);
      ports.worker.addEventListener("message", (event) => ports.worker.postMessage(hostile((event.data as { id: number }).id)));
      try {
        await withWallet(`hostile${Math.random().toString(36).slice(2, 8)}`, (slice) => new WorkerRsa(ports.wallet, slice), noSlices, async (wallet) => {
          await expect(wallet.take()).rejects.toBeInstanceOf(NoTokenError);
          expect(wallet.count).toBe(0);
        });
      } finally {
        ports.close();
      }
    }
  });
});
