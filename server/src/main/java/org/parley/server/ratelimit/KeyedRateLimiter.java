package org.parley.server.ratelimit;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * One token bucket per key (an account, a link code, or a network for registrations), in memory
 * only: keys are never written anywhere, and a bucket that has refilled is forgotten by
 * {@link #evictIdle()}, so a key stays in memory no longer than the limit's window.
 */
public final class KeyedRateLimiter<K> implements RateLimiter<K> {
    private final ConcurrentHashMap<K, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final double ratePerSecond;
    private final int burst;
    private final LongSupplier nanoClock;

    public KeyedRateLimiter(double ratePerSecond, int burst, LongSupplier nanoClock) {
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.nanoClock = nanoClock;
    }

    public static <K> KeyedRateLimiter<K> perHour(int count) {
        return new KeyedRateLimiter<>(count / 3600.0, count, System::nanoTime);
    }

    public static <K> KeyedRateLimiter<K> perSecond(int rate, int burst) {
        return new KeyedRateLimiter<>(rate, burst, System::nanoTime);
    }

    @Override
    public Duration acquire(K key) {
        long now = nanoClock.getAsLong();
        TokenBucket bucket = buckets.computeIfAbsent(key, k -> new TokenBucket(ratePerSecond, burst, now));
        synchronized (bucket) {
            return TokenBucket.retryAfter(bucket.take(now));
        }
    }

    @Override
    public void evictIdle() {
        long now = nanoClock.getAsLong();
        buckets.entrySet().removeIf(entry -> {
            synchronized (entry.getValue()) {
                return entry.getValue().isFull(now);
            }
        });
    }

    public int size() {
        return buckets.size();
    }
}
