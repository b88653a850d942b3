// This device's anonymous send tokens (port of tokens/TokenWallet.java; parley.proto "anonymous
// send tokens"; RFC 9474 RSABSSA-SHA384-PSS-Deterministic, blindRsa.ts). Tokens are
// asked for on the signed-in session in batches, ahead of need, and kept in the vault, so that
// fetching and spending are apart in time; each is spent once, on the anonymous channel. Tokens of
// a day before yesterday are dropped (the server accepts day D's tokens on D and D + 1 only).
//
// Blinding is BigInt RSA (a few ms a token on the project's 2-core machine), and still it runs
// in a module Web Worker (rsaWork.ts, blinder.ts), and where there is none it never runs in
// one piece: one token per idle slice of the main thread. The next batch is blinded ahead of need
// as soon as the last batch arrived; a refill then costs one round trip, and its tokens are
// finalized one at a time, each usable as soon as it is. A send finding the wallet
// empty waits for the refill's first token (as TokenWallet.java fetches at once): one round trip
// and one Finalize, plus the blinding, still in slices, only when nothing could be blinded ahead (a
// new profile, a new day's key). When the server gives none, NoTokenError holds the send back, as
// in Java; sealed sends never fall back to unsealed for want of a token.
//
// A key could be made for one account alone, which would mark its tokens. So before a key's
// tokens are spent, the anonymous channel is asked which keys it is shown (GetTokenKeys); a key not
// shown there, or a day with more than one key, is a loud notice and the key's tokens are dropped.
//
// When the wallet runs low it plans a top-up at a random moment, drawn at the spend that made it
// low and never on a send's path: 10 s to 2 min later at a person's pace. A burst of sends (a paste,
// a bot) would spend the rest before that, and the send that found the wallet empty would wait for a
// refill's round trip, fetching right before spending (the closest link of the two). So the window
// shrinks with the pace: its end is half the time the held tokens last at the pace of the last
// spends (their times are kept in memory only), its start a quarter. The moment is still random and
// falls among the wallet's own next spends (the 6th to the 12th at a burst's pace), so the fetch
// points at none of them; what a burst gives up is the window's length: fewer other people's sealed
// sends fall in it than at a person's pace.
//
// The tokens live in memory and are written through to the vault. A send takes a held token
// without waiting for a refill under way (issue 14: the send path's p99): the refill adds its
// tokens to memory as they are finalized and writes them in chunks, so it neither queues in front
// of sends nor fills the vault's store with a write per token while received messages are stored.
import { create, equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import { TokenWalletSchema, WalletKeySchema, WalletTokenSchema, type WalletKey, type WalletToken } from "../../gen/parley/local/v1/local_pb";
import {
  GetTokenKeysSchema,
  RequestSendTokensSchema,
  SendTokenSchema,
  TokenKeySchema,
  type SendToken,
  type TokenKey,
} from "../../gen/parley/v1/parley_pb";
import { constantTimeEquals, randomBytes } from "../bytes";
import { ServerError, type AnonymousChannel, type Session, type Vault } from "../contracts";
import { answerOf } from "../net/connection";
import { bufferOf } from "../store/buffers";
import { defaultRsaWork, type RsaWork, type Slice } from "./rsaWork";

export type { Slice } from "./rsaWork";

const AREA = "tokens";
const KEY = "wallet";
/** Tokens asked for at once. */
export const TOKEN_BATCH = 50;
/** Fewer left than this and the wallet plans a top-up: half a batch, well before it is empty. */
export const TOKENS_LOW = 25;
const MESSAGE_BYTES = 32;
/** When the server gives no hint, how long before a refused or failed token request is worth trying again. */
export const DEFAULT_TOKEN_RETRY_MS = 60_000;
const DAY_MS = 86_400_000;
/** A top-up waits a random 10 s to 2 min after the spend that made the wallet low, so fetching and spending are apart in time (sooner in a burst). */
const TOP_UP_MIN_DELAY_MS = 10_000;
const TOP_UP_MAX_DELAY_MS = 120_000;
/** How many recent spends' times the wallet keeps in memory to tell its pace. */
const SPENDS_FOR_PACE = 10;
/** A refill writes its finalized tokens to the vault after every this many (and at its end). */
export const TOKENS_PER_WRITE = 10;
/** The longest an idle slice waits for the main thread to be idle. */
const IDLE_TIMEOUT_MS = 200;

/** No send token can be had now; retryAfterMs says when trying again makes sense. */
export class NoTokenError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
    this.name = "NoTokenError";
  }
}

/** The next idle moment of the main thread (requestIdleCallback), or the next macrotask where there is none (Node, workers). */
export const idleSlice: Slice = () =>
  new Promise((resolve) => {
    if (typeof requestIdleCallback === "function") requestIdleCallback(() => resolve(), { timeout: IDLE_TIMEOUT_MS });
    else setTimeout(resolve, 0);
  });

/** A token key as WebCrypto holds it (RSA-PSS, SHA-384); blindrsa-ts reads its parameters, so it is extractable (it is public). */
export function importTokenKey(subjectPublicKeyInfo: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("spki", bufferOf(subjectPublicKeyInfo), { name: "RSA-PSS", hash: "SHA-384" }, true, ["verify"]);
}

/** RFC 9474 section 4.2 Blind's output for one fresh message; inv is secret and stays in memory. */
interface BlindedMessage {
  message: Uint8Array;
  blindedMsg: Uint8Array;
  inv: Uint8Array;
}

/** A batch blinded ahead of need under one key, ready to be sent for signing. */
interface BlindedBatch {
  key: TokenKey;
  publicKey: CryptoKey;
  blinded: BlindedMessage[];
}

/** A refill under way: whoever waits for a token hears of each one that arrives, and of the end. */
class Refill {
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  /** Resolves when the next token arrived or the refill ended; rejects when it failed. */
  readonly next = (): Promise<void> => new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));

  /** Whether a send waits for the next token (its Finalize is then done at once). */
  get awaited(): boolean {
    return this.waiters.length > 0;
  }

  arrived(): void {
    this.settle((w) => w.resolve());
  }

  failed(e: unknown): void {
    this.settle((w) => w.reject(e));
  }

  private settle(how: (waiter: { resolve: () => void; reject: (e: unknown) => void }) => void): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach(how);
  }
}

export interface WalletOptions {
  now?: () => number;
  /** How the wallet yields the main thread between two tokens' RSA work, where it has no worker for it. */
  slice?: Slice;
  /** Where the RSA work runs; by default a worker where there is one, else the main thread in slices. */
  rsa?: RsaWork;
}

export class TokenWallet {
  /** Takes, one at a time: two sends must never take the same token. */
  private queue: Promise<unknown> = Promise.resolve();
  /** What the wallet holds; the vault has it as of the last write. */
  private keys: WalletKey[] = [];
  /** Writes asked for and done: a write covers every change made before it started. */
  private writesAsked = 0;
  private writesDone = 0;
  private writing: Promise<void> | undefined;
  /** The top-up planned after running low, and when it is due (this.now's clock). */
  private plannedTopUp: { timer: ReturnType<typeof setTimeout>; due: number } | undefined;
  /** When the last few tokens were taken (memory only): the pace that sizes a top-up's window. */
  private readonly spentAt: number[] = [];
  private closed = false;
  /** The batch blinded ahead of need, once complete. */
  private ahead: BlindedBatch | undefined;
  /** The batch being blinded ahead of need, and how far it got. */
  private preparing: { key: TokenKey; done: Promise<void>; blinded: BlindedMessage[] } | undefined;
  private refill: { progress: Refill; done: Promise<number> } | undefined;
  /** Keys the anonymous channel was not shown (this session): their tokens are dropped as they arrive. */
  private readonly distrusted: WalletKey[] = [];
  /** The key the signed-in session showed last: the next batch is blinded under it. */
  private lastShown: TokenKey | undefined;
  private readonly now: () => number;
  private readonly rsa: RsaWork;

  private constructor(
    private readonly vault: Vault,
    private readonly session: Session,
    private readonly anonymous: AnonymousChannel,
    private readonly notice: (message: string) => void,
    options: WalletOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.rsa = options.rsa ?? defaultRsaWork(options.slice ?? idleSlice);
  }

  static async open(
    vault: Vault,
    session: Session,
    anonymous: AnonymousChannel,
    notice: (message: string) => void,
    options: WalletOptions = {},
  ): Promise<TokenWallet> {
    const wallet = new TokenWallet(vault, session, anonymous, notice, options);
    const stored = await wallet.load();
    wallet.keys = stored.keys;
    // Until the session shows a key, the newest one held is today's best guess (a wrong guess costs one re-blinding).
    const newest = [...stored.keys].sort((a, b) => Number(b.day - a.day))[0];
    if (newest) wallet.lastShown = create(TokenKeySchema, { day: newest.day, publicKey: newest.publicKey });
    return wallet;
  }

  /** Unspent tokens held (those of expired days included until the next use drops them). */
  get count(): number {
    return count({ keys: this.keys });
  }

  get low(): boolean {
    return this.count < TOKENS_LOW;
  }

  /** How many tokens of the next batch are blinded ahead of need so far. */
  get blindedAhead(): number {
    return this.ahead?.blinded.length ?? this.preparing?.blinded.length ?? 0;
  }

  /**
   * Takes one token to spend now, the oldest day's first. An empty wallet is refilled at once, and
   * the send waits for the refill's first token only. Rejects with NoTokenError when the server
   * gives none, with ServerError UNAVAILABLE when it cannot be reached.
   */
  async take(): Promise<SendToken> {
    for (let refilled = false; ; ) {
      const token = await this.serialized(() => this.takeHeld());
      if (token) return token;
      if (!this.refill) {
        if (refilled) throw new NoTokenError("the server issued no usable send token", DEFAULT_TOKEN_RETRY_MS);
        this.startRefill();
        refilled = true;
      }
      await this.refill!.progress.next();
    }
  }

  /**
   * Fetches a batch when fewer than TOKENS_LOW are left, else starts blinding the next one ahead of
   * need (the app calls this once it has started, so the slices do not compete with its start); a
   * refusal is reported, not thrown. Resolves with how many were added.
   */
  async topUp(): Promise<number> {
    if (!this.low) {
      this.prepareAhead();
      return 0;
    }
    try {
      return await (this.refill ?? this.startRefill()).done;
    } catch (e) {
      if (e instanceof NoTokenError || (e instanceof ServerError && e.code === "UNAVAILABLE")) return 0;
      throw e;
    }
  }

  /** Stops a planned top-up and the blinding ahead of need. */
  close(): void {
    this.closed = true;
    clearTimeout(this.plannedTopUp?.timer);
    this.rsa.close();
  }

  /**
   * The oldest day's next token, its key confirmed anonymously first; undefined when none is held.
   * Runs serialized with other takes, never behind a refill: the token is spent once written.
   */
  private async takeHeld(): Promise<SendToken | undefined> {
    for (;;) {
      const key = this.usable().filter((k) => k.tokens.length > 0).sort((a, b) => Number(a.day - b.day))[0];
      if (!key) return undefined;
      if (!key.confirmed && !(await this.confirmAnonymously(key))) {
        this.notice(
          "The server issued send tokens under a key that the anonymous connection is not shown: such tokens would tell " +
            "the server which account spends them. They were discarded; sealed sends wait until the server behaves.",
        );
        key.tokens = [];
        this.distrusted.push(key);
        await this.write();
        continue;
      }
      const token = key.tokens.shift()!;
      await this.write();
      this.spentAt.push(this.now());
      if (this.spentAt.length > SPENDS_FOR_PACE) this.spentAt.shift();
      this.planTopUp();
      return create(SendTokenSchema, { day: key.day, message: token.message, signature: token.signature });
    }
  }

  /**
   * Plans a top-up at a random moment of the window the pace allows, once the wallet is low. A plan
   * made at a slower pace that would now come after the window's end is drawn again in the new one.
   */
  private planTopUp(): void {
    if (!this.low || this.closed) return;
    const { earliest, latest } = this.topUpWindow();
    const now = this.now();
    if (this.plannedTopUp && this.plannedTopUp.due <= now + latest) return;
    clearTimeout(this.plannedTopUp?.timer);
    const delay = earliest + Math.random() * (latest - earliest);
    const planned = {
      due: now + delay,
      timer: setTimeout(() => {
        this.topUp()
          .catch(() => 0) // the next spend plans another
          .finally(() => {
            if (this.plannedTopUp === planned) this.plannedTopUp = undefined;
          });
      }, delay),
    };
    this.plannedTopUp = planned;
  }

  /** How long from now a top-up may wait: 10 s to 2 min, or a quarter to half of the time the held tokens last at the recent pace, if that is shorter. */
  private topUpWindow(): { earliest: number; latest: number } {
    const spends = this.spentAt.length;
    const gap = spends < 3 ? undefined : (this.spentAt[spends - 1] - this.spentAt[0]) / (spends - 1);
    const latest = gap === undefined ? TOP_UP_MAX_DELAY_MS : Math.min(TOP_UP_MAX_DELAY_MS, (this.count * gap) / 2);
    return { earliest: Math.min(TOP_UP_MIN_DELAY_MS, latest / 2), latest };
  }

  private startRefill(): { progress: Refill; done: Promise<number> } {
    const progress = new Refill();
    // Over before its end is told: a take woken by the end sees no refill and starts its own.
    const done = this.fetch(progress).finally(() => {
      if (this.refill === refill) this.refill = undefined;
    });
    const refill = { progress, done };
    this.refill = refill;
    done.then(
      () => progress.arrived(),
      (e) => progress.failed(e), // takers hear of a failure through progress, topUp through done
    ).finally(() => this.prepareAhead());
    return refill;
  }

  /** Blinds the next batch under the key the session showed last, unless one is ready or under way. */
  private prepareAhead(): void {
    const key = this.lastShown;
    if (this.closed || !key || this.preparing || (this.ahead && sameKey(this.ahead.key, key))) return;
    const blinded: BlindedMessage[] = [];
    const preparing = {
      key,
      blinded,
      done: (async () => {
        const publicKey = await importTokenKey(key.publicKey);
        await this.blindBatch(publicKey, blinded, () => this.closed);
        if (!this.closed) this.ahead = { key, publicKey, blinded };
      })()
        .catch(() => undefined) // a key that does not import: the refill blinds anew and reports it
        .finally(() => {
          if (this.preparing === preparing) this.preparing = undefined;
        }),
    };
    this.preparing = preparing;
  }

  /** TOKEN_BATCH fresh messages blinded into `into`, one at a time (RFC 9474 section 4.2). */
  private async blindBatch(publicKey: CryptoKey, into: BlindedMessage[], stop: () => boolean = () => false): Promise<void> {
    while (into.length < TOKEN_BATCH && !stop()) {
      const message = randomBytes(MESSAGE_BYTES);
      const { blindedMsg, inv } = await this.rsa.blind(publicKey, message);
      into.push({ message, blindedMsg, inv });
    }
  }

  /** A batch under today's key: the one blinded ahead when the key is the same (waiting for it to finish), else one blinded now. */
  private async blindedBatch(today: TokenKey): Promise<BlindedBatch> {
    if (this.preparing && sameKey(this.preparing.key, today)) await this.preparing.done;
    const ready = this.ahead;
    this.ahead = undefined;
    if (ready && sameKey(ready.key, today)) return ready;
    const publicKey = await importTokenKey(today.publicKey);
    const blinded: BlindedMessage[] = [];
    await this.blindBatch(publicKey, blinded);
    return { key: today, publicKey, blinded };
  }

  /** RFC 9474 sections 4.2 to 4.4: blinded messages under today's key signed (BlindSign), then each Finalized in turn and kept at once. */
  private async fetch(progress: Refill): Promise<number> {
    try {
      const shown = answerOf(await this.session.request({ case: "getTokenKeys", value: create(GetTokenKeysSchema) }), "tokenKeys");
      const today = [...shown.keys].sort((a, b) => Number(b.day - a.day))[0];
      if (!today) throw new NoTokenError("the server shows no token key", DEFAULT_TOKEN_RETRY_MS);
      this.lastShown = today;
      const batch = await this.blindedBatch(today);
      const answer = answerOf(
        await this.session.request({
          case: "requestSendTokens",
          value: create(RequestSendTokensSchema, { blindedMessages: batch.blinded.map((b) => b.blindedMsg) }),
        }),
        "sendTokens",
      );
      if (!answer.key || !sameKey(answer.key, today) || answer.blindSignatures.length > batch.blinded.length) {
        throw new NoTokenError("the server signed under another key than it showed", DEFAULT_TOKEN_RETRY_MS);
      }
      try {
        for (let i = 0; i < answer.blindSignatures.length; i++) {
          const { message, inv } = batch.blinded[i];
          // At once when a send waits for it (the wallet is empty); else in the worker's (or an idle slice's) own time.
          const signature = await this.rsa.finalize(batch.publicKey, message, answer.blindSignatures[i], inv, i === 0 && progress.awaited);
          if (!this.keep(today, create(WalletTokenSchema, { message, signature }))) break;
          if ((i + 1) % TOKENS_PER_WRITE === 0) void this.write().catch(() => undefined); // the last write reports
          progress.arrived();
        }
      } finally {
        await this.write();
      }
      return answer.blindSignatures.length;
    } catch (e) {
      if (e instanceof NoTokenError) throw e;
      // A lost connection is not a refusal: the caller waits for the reconnect, not a minute.
      if (e instanceof ServerError && e.code === "UNAVAILABLE") throw e;
      if (e instanceof ServerError) {
        const wait = e.code === "RATE_LIMITED" && e.retryAfterMs ? e.retryAfterMs : DEFAULT_TOKEN_RETRY_MS;
        throw new NoTokenError(`the server gives no send tokens now (${e.message})`, wait);
      }
      // A key that does not parse, or a blind signature that does not finalize: the server cheated.
      throw new NoTokenError(`the server's send tokens do not verify: ${(e as Error).message}`, DEFAULT_TOKEN_RETRY_MS);
    }
  }

  /** Adds one finalized token under its key, in memory (the refill writes them); false when the key is distrusted (the token is dropped). */
  private keep(key: TokenKey, token: WalletToken): boolean {
    if (this.distrusted.some((k) => k.day === key.day && constantTimeEquals(k.publicKey, key.publicKey))) return false;
    let into = this.usable().find((k) => k.day === key.day && constantTimeEquals(k.publicKey, key.publicKey));
    if (!into) {
      into = create(WalletKeySchema, { day: key.day, publicKey: key.publicKey });
      this.keys.push(into);
    }
    into.tokens.push(token);
    return true;
  }

  /** Whether the anonymous channel is shown this very key for its day, and only one key for that day; remembered once true. */
  private async confirmAnonymously(key: WalletKey): Promise<boolean> {
    let shown: TokenKey[];
    try {
      shown = answerOf(await this.anonymous.request({ case: "getTokenKeys", value: create(GetTokenKeysSchema) }), "tokenKeys").keys;
    } catch (e) {
      if (e instanceof ServerError && e.code === "UNAVAILABLE") throw e;
      throw new NoTokenError(`the server does not show its token keys (${(e as Error).message})`, DEFAULT_TOKEN_RETRY_MS);
    }
    const sameDay = shown.filter((k) => k.day === key.day);
    key.confirmed = sameDay.length === 1 && constantTimeEquals(sameDay[0].publicKey, key.publicKey);
    return key.confirmed;
  }

  /** The keys held, those of days before yesterday dropped. */
  private usable(): WalletKey[] {
    const today = BigInt(Math.floor(this.now() / DAY_MS));
    this.keys = this.keys.filter((k) => k.day >= today - 1n);
    return this.keys;
  }

  private async load() {
    const stored = await this.vault.get(AREA, KEY);
    if (stored === undefined) return create(TokenWalletSchema);
    try {
      return fromBinary(TokenWalletSchema, stored);
    } catch {
      throw new Error("the send tokens in the profile are damaged");
    }
  }

  /**
   * Resolves once the vault holds the wallet as it is now. Writes never overlap: one asked for
   * while another runs follows it, and covers every change asked for until it starts.
   */
  private async write(): Promise<void> {
    const asked = ++this.writesAsked;
    while (this.writesDone < asked) {
      this.writing ??= this.writeAll();
      await this.writing;
    }
  }

  /** Writes until every write asked for is done; started only while one is owed, so it always awaits a put first. */
  private async writeAll(): Promise<void> {
    try {
      do {
        const covers = this.writesAsked;
        this.keys = this.keys.filter((k) => k.tokens.length > 0 || k.confirmed);
        await this.vault.put(AREA, KEY, toBinary(TokenWalletSchema, create(TokenWalletSchema, { keys: this.keys })));
        this.writesDone = covers;
      } while (this.writesDone < this.writesAsked);
    } finally {
      this.writing = undefined;
    }
  }

  /** One take at a time: two sends must never take the same token. */
  private serialized<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation, operation);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function sameKey(a: TokenKey, b: TokenKey): boolean {
  return equals(TokenKeySchema, a, b);
}

function count(wallet: { keys: WalletKey[] }): number {
  return wallet.keys.reduce((n, k) => n + k.tokens.length, 0);
}
