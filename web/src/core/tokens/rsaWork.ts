// Where the wallet's RSA work runs (RFC 9474 RSABSSA-SHA384-PSS-Deterministic, blindRsa.ts): in a
// module Web Worker when the platform has one, so that blinding a batch ahead of need never waits
// for an idle main thread nor delays the app; else one token per idle slice of the main thread
// (Node and vitest have no Web Worker). The worker only computes: messages and inverses come back
// to the wallet, which keeps them in memory.
import { type Blinding, blind, finalize } from "./blindRsa";


/** Resolves when the caller may do one slice of work (one token blinded or finalized). */
export type Slice = () => Promise<void>;

/** The RSA work of the wallet; `urgent` work does not wait for a slice (a send may be waiting for it). */
export interface RsaWork {
  blind(publicKey: CryptoKey, message: Uint8Array): Promise<Blinding>;
  finalize(publicKey: CryptoKey, message: Uint8Array, blindSig: Uint8Array, inv: Uint8Array, urgent: boolean): Promise<Uint8Array>;
  close(): void;
}

/** One request to the worker; each is answered once, with the same id. */
export type RsaRequest =
  | { id: number; op: "blind"; publicKey: CryptoKey; message: Uint8Array }
  | { id: number; op: "finalize"; publicKey: CryptoKey; message: Uint8Array; blindSig: Uint8Array; inv: Uint8Array };

export type RsaAnswer = { id: number; blinding: Blinding } | { id: number; signature: Uint8Array } | { id: number; error: string };

/** The two ends of the conversation with a worker (a Worker, a worker's global scope, a MessagePort). */
export interface RsaPort {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
}

/** The main thread's own RSA work, one token per slice (none before urgent work). */
export function slicedRsa(slice: Slice): RsaWork {
  return {
    async blind(publicKey, message) {
      await slice();
      return blind(publicKey, message);
    },
    async finalize(publicKey, message, blindSig, inv, urgent) {
      if (!urgent) await slice();
      return finalize(publicKey, message, blindSig, inv);
    },
    close() {},
  };
}

/** Answers RsaRequests arriving on `port` (the worker's side). */
export function serveRsa(port: RsaPort): void {
  port.addEventListener("message", (event) => {
    const request = event.data as RsaRequest;
    answer(request).then(
      (done) => port.postMessage({ id: request.id, ...done } satisfies RsaAnswer),
      // The library's message only: no key material is in it.
      (e: unknown) => port.postMessage({ id: request.id, error: e instanceof Error ? e.message : "RSA work failed" } satisfies RsaAnswer),
    );
  });
}

async function answer(request: RsaRequest): Promise<{ blinding: Blinding } | { signature: Uint8Array }> {
  if (request.op === "blind") return { blinding: await blind(request.publicKey, request.message) };
  return { signature: await finalize(request.publicKey, request.message, request.blindSig, request.inv) };
}

type Pending = { resolve: (answer: RsaAnswer) => void; reject: (e: unknown) => void; retry: () => Promise<RsaAnswer> };

/**
 * RSA work sent to a worker over `port`. Should the worker fail (it did not load, the CSP refused
 * it), the work still waiting and all work after it runs on the main thread in slices instead.
 */
export class WorkerRsa implements RsaWork {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private fallback: RsaWork | undefined;

  constructor(
    private readonly port: RsaPort,
    private readonly slice: Slice,
    private readonly terminate: () => void = () => undefined,
  ) {
    port.addEventListener("message", (event) => {
      const answered = event.data as RsaAnswer;
      const waiting = this.pending.get(answered.id);
      this.pending.delete(answered.id);
      waiting?.resolve(answered);
    });
  }

  /** The worker failed: what it still owed is done on the main thread, and so is all that follows. */
  failed(): void {
    this.fallback ??= slicedRsa(this.slice);
    const owed = [...this.pending.values()];
    this.pending.clear();
    this.terminate();
    for (const waiting of owed) waiting.retry().then(waiting.resolve, waiting.reject);
  }

  async blind(publicKey: CryptoKey, message: Uint8Array): Promise<Blinding> {
    if (this.fallback) return this.fallback.blind(publicKey, message);
    const answered = await this.ask((id) => ({ id, op: "blind", publicKey, message }), async () => ({ id: -1, blinding: await this.fallback!.blind(publicKey, message) }));
    if ("blinding" in answered) return answered.blinding;
    throw new Error("error" in answered ? answered.error : "the worker answered a blind with something else");
  }

  async finalize(publicKey: CryptoKey, message: Uint8Array, blindSig: Uint8Array, inv: Uint8Array, urgent: boolean): Promise<Uint8Array> {
    if (this.fallback) return this.fallback.finalize(publicKey, message, blindSig, inv, urgent);
    const answered = await this.ask((id) => ({ id, op: "finalize", publicKey, message, blindSig, inv }), async () => ({
      id: -1,
      signature: await this.fallback!.finalize(publicKey, message, blindSig, inv, urgent),
    }));
    if ("signature" in answered) return answered.signature;
    throw new Error("error" in answered ? answered.error : "the worker answered a finalize with something else");
  }

  close(): void {
    this.terminate();
  }

  private ask(request: (id: number) => RsaRequest, retry: () => Promise<RsaAnswer>): Promise<RsaAnswer> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, retry });
      this.port.postMessage(request(id));
    });
  }
}

/** A dedicated module worker (blinder.ts) where the platform has Worker, else the main thread in slices. */
export function defaultRsaWork(slice: Slice): RsaWork {
  if (typeof Worker !== "function") return slicedRsa(slice);
  let worker: Worker;
  try {
    worker = new Worker(new URL("./blinder.ts", import.meta.url), { type: "module", name: "parley-token-blinder" });
  } catch {
    return slicedRsa(slice); // a platform that refuses module workers
  }
  const rsa = new WorkerRsa(worker, slice, () => worker.terminate());
  worker.addEventListener("error", () => rsa.failed());
  worker.addEventListener("messageerror", () => rsa.failed());
  return rsa;
}
