package org.parley.server.ratelimit;

import org.parley.server.storage.Database;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;

/**
 * Makes the server's limits: in memory for a single node (SQLite), in PostgreSQL where several
 * nodes share the database, so that a limit counts whichever node a request reaches. Each limit
 * has a name (its rows' scope in the database) and turns its key into bytes for hashing.
 */
public interface Limiters {

    <K> RateLimiter<K> rate(String name, double perSecond, int burst, Function<K, byte[]> key);

    <K> DailyAllowance<K> daily(String name, long perDay, Function<K, byte[]> key);

    default <K> RateLimiter<K> perHour(String name, int count, Function<K, byte[]> key) {
        return rate(name, count / 3600.0, count, key);
    }

    /** Limits in this process's memory only, as a single node keeps them; keys are never written anywhere. */
    static Limiters inMemory(Clock clock) {
        return new Limiters() {
            @Override
            public <K> RateLimiter<K> rate(String name, double perSecond, int burst, Function<K, byte[]> key) {
                return new KeyedRateLimiter<>(perSecond, burst, System::nanoTime);
            }

            @Override
            public <K> DailyAllowance<K> daily(String name, long perDay, Function<K, byte[]> key) {
                return new DailyQuota<>(perDay, clock);
            }
        };
    }

    /**
     * Limits in the shared PostgreSQL database, keys stored only as keyed hashes: buckets under an
     * hourly secret (no limit's window is longer than an hour), daily amounts under a daily one.
     */
    static Limiters shared(Database database, Clock clock) {
        KeyHasher hourly = new KeyHasher(database, clock, Duration.ofHours(1).toSeconds());
        KeyHasher daily = new KeyHasher(database, clock, Duration.ofDays(1).toSeconds());
        return new Limiters() {
            @Override
            public <K> RateLimiter<K> rate(String name, double perSecond, int burst, Function<K, byte[]> key) {
                if (burst / perSecond > Duration.ofHours(1).toSeconds() + 1) {
                    throw new IllegalArgumentException("limit " + name + " refills over more than an hour, longer than its keys' hash lasts");
                }
                return new SharedRateLimiter<>(database, hourly, name, perSecond, burst, key, clock);
            }

            @Override
            public <K> DailyAllowance<K> daily(String name, long perDay, Function<K, byte[]> key) {
                return new SharedDailyQuota<>(database, daily, name, perDay, key, clock);
            }
        };
    }
}
