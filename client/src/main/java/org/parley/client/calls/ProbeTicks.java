package org.parley.client.calls;

/** The time the relay transport's probing runs on. */
final class ProbeTicks {
    private ProbeTicks() {
    }

    /** Milliseconds on the monotonic clock: only differences mean anything (deadlines, intervals). */
    static long monotonicMillis() {
        return System.nanoTime() / 1_000_000;
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
