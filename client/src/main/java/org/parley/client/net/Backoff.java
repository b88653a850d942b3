package org.parley.client.net;

import java.time.Duration;

/**
 * How long a lasting link waits before its next connection attempt: exponential backoff with full
 * jitter, so that many clients of a restarted server do not come back at the same instant.
 */
final class Backoff {
    static final Duration FIRST_RETRY = Duration.ofMillis(200);
    static final Duration MAX_RETRY = Duration.ofSeconds(30);

    private Backoff() {
    }

    /** Full jitter over an exponential ceiling: uniformly in [0, min(max, first * 2^attempt)]. */
    static long delayMillis(int attempt, double random) {
        long ceiling = Math.min(MAX_RETRY.toMillis(), FIRST_RETRY.toMillis() << Math.min(attempt, 20));
        return Math.max(1, (long) (ceiling * random));
    }
}
