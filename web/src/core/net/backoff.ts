// How long a lasting link waits before its next connection attempt (port of net/Backoff.java):
// exponential back-off with full jitter, so that many clients of a restarted server do not all
// come back at the same instant.

export const FIRST_RETRY_MS = 200;
export const MAX_RETRY_MS = 30_000;

/** Full jitter over an exponential ceiling: uniformly in [1, min(max, first * 2^attempt)]. */
export function backoffDelayMs(attempt: number, random: number): number {
  const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(Math.max(attempt, 0), 20));
  return Math.max(1, Math.floor(ceiling * random));
}
