// This device's anonymous send tokens (port of tokens/TokenWallet.java; parley.proto "anonymous
// send tokens"; RFC 9474 RSABSSA-SHA384-PSS-Deterministic with @cloudflare/blindrsa-ts). Tokens are
// asked for on the signed-in session in batches, ahead of need, and kept in the vault, so that
// fetching and spending are apart in time; each is spent once, on the anonymous channel. Tokens of
// a day before yesterday are dropped (the server accepts day D's tokens on D and D + 1 only).
//
// A key could be made for one account alone, which would mark its tokens. So before a key's
// tokens are spent, the anonymous channel is asked which keys it is shown (GetTokenKeys); a key not
// shown there, or a day with more than one key, is a loud notice and the key's tokens are dropped.
import { create, equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import { RSABSSA } from "@cloudflare/blindrsa-ts";
import { TokenWalletSchema, WalletKeySchema, WalletTokenSchema, type WalletKey } from "../../gen/parley/local/v1/local_pb";
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

const AREA = "tokens";
const KEY = "wallet";
/** Tokens asked for at once. */
export const TOKEN_BATCH = 50;
/** Fewer left than this and the wallet wants a top-up. */
export const TOKENS_LOW = 10;
const MESSAGE_BYTES = 32;
/** When the server gives no hint, how long before a refused or failed token request is worth trying again. */
export const DEFAULT_TOKEN_RETRY_MS = 60_000;
const DAY_MS = 86_400_000;
/** A top-up waits a random 10 s to 2 min after the spend that made the wallet low, so fetching and spending are apart in time. */
const TOP_UP_MIN_DELAY_MS = 10_000;
const TOP_UP_MAX_DELAY_MS = 120_000;

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

const suite = RSABSSA.SHA384.PSS.Deterministic();

/** A token key as WebCrypto holds it (RSA-PSS, SHA-384); blindrsa-ts reads its parameters, so it is extractable (it is public). */
export function importTokenKey(subjectPublicKeyInfo: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("spki", bufferOf(subjectPublicKeyInfo), { name: "RSA-PSS", hash: "SHA-384" }, true, ["verify"]);
}

export class TokenWallet {
  private queue: Promise<unknown> = Promise.resolve();
  private held = 0;
  private plannedTopUp: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  private constructor(
    private readonly vault: Vault,
    private readonly session: Session,
    private readonly anonymous: AnonymousChannel,
    private readonly notice: (message: string) => void,
    private readonly now: () => number,
  ) {}

  static async open(
    vault: Vault,
    session: Session,
    anonymous: AnonymousChannel,
    notice: (message: string) => void,
    now: () => number = Date.now,
  ): Promise<TokenWallet> {
    const wallet = new TokenWallet(vault, session, anonymous, notice, now);
    wallet.held = count(await wallet.load());
    return wallet;
  }

  /** Unspent tokens held (those of expired days included until the next use drops them). */
  get count(): number {
    return this.held;
  }

  get low(): boolean {
    return this.held < TOKENS_LOW;
  }

  /**
   * Takes one token to spend now, the oldest day's first; an empty wallet is filled at once.
   * Rejects with NoTokenError when the server gives none, with ServerError UNAVAILABLE when it cannot be reached.
   */
  take(): Promise<SendToken> {
    return this.serialized(async () => {
      for (let fetched = false; ; ) {
        const keys = await this.usable();
        const key = keys.filter((k) => k.tokens.length > 0).sort((a, b) => Number(a.day - b.day))[0];
        if (!key) {
          if (fetched) throw new NoTokenError("the server issued no usable send token", DEFAULT_TOKEN_RETRY_MS);
          await this.fetch(keys, TOKEN_BATCH);
          fetched = true;
          continue;
        }
        if (!key.confirmed && !(await this.confirmAnonymously(key))) {
          this.notice(
            "The server issued send tokens under a key that the anonymous connection is not shown: such tokens would tell " +
              "the server which account spends them. They were discarded; sealed sends wait until the server behaves.",
          );
          key.tokens = [];
          await this.save(keys);
          continue;
        }
        const token = key.tokens.shift()!;
        await this.save(keys);
        this.planTopUp();
        return create(SendTokenSchema, { day: key.day, message: token.message, signature: token.signature });
      }
    });
  }

  /** Fetches a batch when fewer than TOKENS_LOW are left; a refusal is reported, not thrown. Resolves with how many were added. */
  topUp(): Promise<number> {
    return this.serialized(async () => {
      if (!this.low) return 0;
      try {
        return await this.fetch(await this.usable(), TOKEN_BATCH);
      } catch (e) {
        if (e instanceof NoTokenError || (e instanceof ServerError && e.code === "UNAVAILABLE")) return 0;
        throw e;
      }
    });
  }

  /** Stops a planned top-up. */
  close(): void {
    this.closed = true;
    clearTimeout(this.plannedTopUp);
  }

  private planTopUp(): void {
    if (!this.low || this.plannedTopUp !== undefined || this.closed) return;
    const delay = TOP_UP_MIN_DELAY_MS + Math.random() * (TOP_UP_MAX_DELAY_MS - TOP_UP_MIN_DELAY_MS);
    this.plannedTopUp = setTimeout(() => {
      this.topUp()
        .catch(() => 0) // the next spend plans another
        .finally(() => (this.plannedTopUp = undefined));
    }, delay);
  }

  /** RFC 9474 sections 4.2 to 4.4: blind fresh messages under today's key, have them signed (BlindSign), Finalize. */
  private async fetch(keys: WalletKey[], wanted: number): Promise<number> {
    try {
      const shown = answerOf(await this.session.request({ case: "getTokenKeys", value: create(GetTokenKeysSchema) }), "tokenKeys");
      const today = [...shown.keys].sort((a, b) => Number(b.day - a.day))[0];
      if (!today) throw new NoTokenError("the server shows no token key", DEFAULT_TOKEN_RETRY_MS);
      const publicKey = await importTokenKey(today.publicKey);
      const messages = Array.from({ length: wanted }, () => randomBytes(MESSAGE_BYTES));
      const blinded = await Promise.all(messages.map((m) => suite.blind(publicKey, m)));
      const answer = answerOf(
        await this.session.request({
          case: "requestSendTokens",
          value: create(RequestSendTokensSchema, { blindedMessages: blinded.map((b) => b.blindedMsg) }),
        }),
        "sendTokens",
      );
      if (!answer.key || !sameKey(answer.key, today) || answer.blindSignatures.length > wanted) {
        throw new NoTokenError("the server signed under another key than it showed", DEFAULT_TOKEN_RETRY_MS);
      }
      const tokens = [];
      for (let i = 0; i < answer.blindSignatures.length; i++) {
        const signature = await suite.finalize(publicKey, messages[i], answer.blindSignatures[i], blinded[i].inv);
        tokens.push(create(WalletTokenSchema, { message: messages[i], signature }));
      }
      let into = keys.find((k) => k.day === today.day && constantTimeEquals(k.publicKey, today.publicKey));
      if (!into) {
        into = create(WalletKeySchema, { day: today.day, publicKey: today.publicKey });
        keys.push(into);
      }
      into.tokens.push(...tokens);
      await this.save(keys);
      return tokens.length;
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

  /** The stored keys, those of days before yesterday dropped. */
  private async usable(): Promise<WalletKey[]> {
    const today = BigInt(Math.floor(this.now() / DAY_MS));
    return (await this.load()).keys.filter((k) => k.day >= today - 1n);
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

  private async save(keys: WalletKey[]): Promise<void> {
    const wallet = create(TokenWalletSchema, { keys: keys.filter((k) => k.tokens.length > 0 || k.confirmed) });
    await this.vault.put(AREA, KEY, toBinary(TokenWalletSchema, wallet));
    this.held = count(wallet);
  }

  /** One wallet operation at a time: two sends must never take the same token. */
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
