package org.parley.server.ratelimit;

import java.time.Duration;

/**
 * A token bucket per key. {@link KeyedRateLimiter} keeps the buckets in memory (one node);
 * {@link SharedRateLimiter} in PostgreSQL, so that a limit counts across every node.
 */
public interface RateLimiter<K> {

    /**
     * Takes a token for {@code key}: zero when granted, otherwise (nothing taken) how long until
     * the key's next token in whole milliseconds, for the client's Error.retry_after_ms.
     */
    Duration acquire(K key);

    default boolean tryAcquire(K key) {
        return acquire(key).isZero();
    }

    /** Forgets the buckets that are full again, so that only recently active keys are held. */
    void evictIdle();
}
