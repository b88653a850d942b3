package org.parley.server.ratelimit;

import java.time.Duration;

/**
 * A token bucket: {@code ratePerSecond} tokens refill continuously up to {@code burst}. Not
 * thread-safe; {@link KeyedRateLimiter} guards shared buckets, a connection's own bucket lives on
 * its event loop.
 */
public final class TokenBucket {
    private final double tokensPerNano;
    private final double burst;
    private double tokens;
    private long lastRefillNanos;

    public TokenBucket(double ratePerSecond, int burst, long nowNanos) {
        if (ratePerSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("a rate limit needs a positive rate and a burst of at least 1");
        }
        this.tokensPerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.lastRefillNanos = nowNanos;
    }

    /** Takes one token if one is available. */
    public boolean tryTake(long nowNanos) {
        return take(nowNanos) == 0;
    }

    /**
     * Takes one token if one is available and returns 0; otherwise takes nothing and returns the
     * nanoseconds until a token will be there (at least 1), which is when a client should retry.
     */
    public long take(long nowNanos) {
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / tokensPerNano));
    }

    /** A wait from {@link #take} as a client is told it: whole milliseconds, rounded up (zero stays zero). */
    public static Duration retryAfter(long waitNanos) {
        return Duration.ofMillis((waitNanos + 999_999) / 1_000_000);
    }

    /** True when the bucket has refilled completely, so that forgetting it changes nothing. */
    public boolean isFull(long nowNanos) {
        refill(nowNanos);
        return tokens >= burst;
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - lastRefillNanos;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + elapsed * tokensPerNano);
            lastRefillNanos = nowNanos;
        }
    }
}
