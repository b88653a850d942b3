// The wallet's top-up in the background (issue 14, the send path's p99): once the wallet runs low
// it plans a top-up after a random 10 s to 2 min at a person's pace, sooner in a burst but still
// before the held tokens are gone (fetching and spending stay apart in time; the timers here are
// vitest's, and the wallet's clock is the test's), and while that top-up waits for the server,
// sends take held tokens at once. The refill writes its 50 tokens to the vault in a few chunks, not one write per token
// competing with the messages being stored. Real server, real RSA; the signed-in session is the
// real one with a gate that holds the server's answer to the token request until the test lets it.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { register } from "../../src/core/account/accounts";
import type { Session, Vault } from "../../src/core/contracts";
import { AnonymousLink } from "../../src/core/net/anonymous";
import { LastingLink } from "../../src/core/net/session";
import { IndexedDbVault } from "../../src/core/store/vault";
import { slicedRsa } from "../../src/core/tokens/rsaWork";
import { TOKEN_BATCH, TOKENS_LOW, TOKENS_PER_WRITE, TokenWallet } from "../../src/core/tokens/wallet";
import { until } from "../net/until";
import { startServer, type TestServer } from "../server";

/** The session, but the server's answers to RequestSendTokens wait for release() while `holding`. */
function gatedSession(session: LastingLink) {
  const gate = { holding: false, asked: 0, waiting: 0, release: () => undefined as void };
  let released = Promise.resolve();
  const gated: Session = {
    get state() {
      return session.state;
    },
    async request(body, timeoutMs) {
      if (body.case !== "requestSendTokens") return session.request(body, timeoutMs);
      gate.asked++;
      const answer = session.request(body, timeoutMs);
      if (gate.holding) {
        gate.waiting++;
        await released;
        gate.waiting--;
      }
      return answer;
    },
    post: (body) => session.post(body),
    onPush: (listener) => session.onPush(listener),
    onState: (listener) => session.onState(listener),
    close: () => session.close(),
  };
  const hold = () => {
    gate.holding = true;
    released = new Promise((resolve) => (gate.release = resolve));
  };
  return { gated, gate, hold };
}

/** The vault, counting the wallet's writes, and those not finished yet. */
function countingVault(vault: IndexedDbVault) {
  const counted = { puts: 0, unfinished: 0 };
  const wrapped: Vault = {
    get: (area, key) => vault.get(area, key),
    put: (area, key, value) => {
      counted.puts++;
      counted.unfinished++;
      return vault.put(area, key, value).finally(() => counted.unfinished--);
    },
    delete: (area, key) => vault.delete(area, key),
    entries: (area) => vault.entries(area),
    putAll: (writes) => vault.putAll(writes),
  };
  return { wrapped, counted };
}

describe("the wallet's top-up in the background", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(["--send-tokens-per-day=200"]);
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  /** A new device's wallet on the gated session and the counting vault, with the test's clock. */
  async function gatedWallet(username: string, clock: { now: number }) {
    const idb = await IndexedDbVault.create(`wallet-${username}`);
    const device = await register(idb, server.url, username);
    const session = await LastingLink.open(server.wsUrl, device);
    const anonymous = new AnonymousLink(server.wsUrl);
    const { gated, gate, hold } = gatedSession(session);
    const { wrapped, counted } = countingVault(idb);
    // The RSA work on this thread without waiting for idle slices: only the wallet's own timing is under test.
    const wallet = await TokenWallet.open(wrapped, gated, anonymous, () => undefined, { rsa: slicedRsa(async () => undefined), now: () => clock.now });
    const close = () => {
      wallet.close();
      session.close();
      anonymous.close();
      idb.close();
    };
    return { idb, session, anonymous, wallet, gate, hold, counted, close };
  }

  it("waits a random 10 s to 2 min after running low, and sends take held tokens while it waits for the server", async () => {
    const clock = { now: Date.now() };
    const { idb, session, anonymous, wallet, gate, hold, counted, close } = await gatedWallet("topup_dora", clock);
    try {
      expect(await wallet.topUp()).toBe(TOKEN_BATCH);
      expect(gate.asked).toBe(1);

      // A person's pace: a send every 10 s, so the 24 tokens left last 4 min, longer than the plan's 2 min.
      // The draw of the delay: halfway, 10 s + 0.5 × 110 s = 65 s after the spend that made the wallet low.
      vi.spyOn(Math, "random").mockReturnValue(0.5);
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      while (!wallet.low) {
        clock.now += 10_000;
        await wallet.take();
      }
      expect(wallet.count).toBe(TOKENS_LOW - 1);
      hold();
      await vi.advanceTimersByTimeAsync(64_900);
      expect(gate.asked, "no token request before the delay is over").toBe(1);
      await vi.advanceTimersByTimeAsync(200);
      vi.useRealTimers();
      await until(() => gate.waiting === 1, "the top-up's token request at the server", 30_000);

      // The top-up is under way, its answer held: sends take what the wallet holds, at once.
      const writesBefore = counted.puts;
      for (let sent = 1; sent <= 5; sent++) {
        await wallet.take();
        expect(wallet.count).toBe(TOKENS_LOW - 1 - sent);
      }
      expect(gate.waiting, "the sends did not wait for the top-up").toBe(1);
      expect(counted.puts - writesBefore).toBe(5); // each spent token is written before it is used

      // The answer comes: its tokens are added, in a few writes rather than one per token.
      const beforeRefill = counted.puts;
      gate.release();
      await until(() => wallet.count === TOKENS_LOW - 6 + TOKEN_BATCH, "the top-up's tokens", 60_000);
      await until(() => !gate.waiting, "the refill's end");
      // The refill ends with a write of what it kept; all its tokens are counted in memory first.
      await until(() => counted.unfinished === 0, "the refill's last write");
      expect(await wallet.topUp()).toBe(0); // not low: nothing more is fetched
      expect(counted.puts - beforeRefill).toBeLessThanOrEqual(TOKEN_BATCH / TOKENS_PER_WRITE + 1);
      // What was written is what the wallet holds: a restart finds the same tokens.
      const reopened = await TokenWallet.open(idb, session, anonymous, () => undefined);
      expect(reopened.count).toBe(wallet.count);
      reopened.close();
    } finally {
      close();
    }
  }, 180_000);

  it("in a burst, tops up within the first half of the time the held tokens last, so no send finds the wallet empty", async () => {
    const clock = { now: Date.now() };
    const { wallet, gate, close } = await gatedWallet("topup_burst", clock);
    try {
      expect(await wallet.topUp()).toBe(TOKEN_BATCH);

      // Five sends a second, the pace of the send-to-render benchmark: at the spend that makes the
      // wallet low, its 24 tokens last 4.8 s, so the top-up comes 1.2 to 2.4 s later (1.8 s here).
      vi.spyOn(Math, "random").mockReturnValue(0.5);
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const spend = async () => {
        clock.now += 200;
        await wallet.take();
        await vi.advanceTimersByTimeAsync(200);
      };
      while (!wallet.low) await spend();
      expect(wallet.count).toBe(TOKENS_LOW - 1);
      for (let i = 0; i < 7; i++) await spend(); // 1.6 s after the plan
      expect(gate.asked, "no token request before the drawn moment").toBe(1);
      await spend(); // 1.8 s: due
      vi.useRealTimers();
      await until(() => gate.asked === 2, "the top-up's token request", 30_000);
      expect(wallet.count, "the top-up was asked for while tokens were left for the next 3 s of sends").toBeGreaterThanOrEqual(TOKENS_LOW - 10);
      await until(() => wallet.count > TOKENS_LOW, "the top-up's tokens", 60_000);
    } finally {
      close();
    }
  }, 180_000);
});
