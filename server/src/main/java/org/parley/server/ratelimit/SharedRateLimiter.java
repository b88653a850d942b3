package org.parley.server.ratelimit;

import org.parley.server.storage.Database;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;

import static org.parley.server.storage.Sql.update;

/**
 * Token buckets in PostgreSQL (table {@code rate_buckets}), so that every node sharing the
 * database draws from the same bucket. A bucket is stored under the {@link KeyHasher} hash of its
 * key, never the key; when the hash's period turns, the first use moves the bucket to the new hash,
 * so that a turn does not refill anybody. {@link #evictIdle()} deletes buckets that are full
 * again: a row lives no longer than the limit's window plus the sweep's minute. Each take is one
 * short transaction, whose row lock orders nodes taking from one bucket at once.
 */
public final class SharedRateLimiter<K> implements RateLimiter<K> {
    private final Database database;
    private final KeyHasher hasher;
    private final String name;
    private final double ratePerMilli;
    private final int burst;
    private final Function<K, byte[]> encoder;
    private final Clock clock;

    SharedRateLimiter(Database database, KeyHasher hasher, String name, double ratePerSecond, int burst,
                      Function<K, byte[]> encoder, Clock clock) {
        if (ratePerSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("a rate limit needs a positive rate and a burst of at least 1");
        }
        this.database = database;
        this.hasher = hasher;
        this.name = name;
        this.ratePerMilli = ratePerSecond / 1000;
        this.burst = burst;
        this.encoder = encoder;
        this.clock = clock;
    }

    @Override
    public Duration acquire(K key) {
        byte[] encoded = encoder.apply(key);
        byte[] current = hasher.hash(name, encoded, 0);
        byte[] previous = hasher.hash(name, encoded, 1);
        long now = clock.millis();
        // Losing a bucket's update to a crash only refills it a little early: no need to wait for the disk.
        long waitMillis = database.writeWithoutSync(connection -> {
            boolean created = update(connection, "INSERT INTO rate_buckets (limiter, key_hash, tokens, updated_ms, full_at_ms) "
                    + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (limiter, key_hash) DO NOTHING", name, current, (double) burst, now, now) == 1;
            double[] state = created ? take(connection, "DELETE FROM rate_buckets WHERE limiter = ? AND key_hash = ? "
                    + "RETURNING tokens, updated_ms", previous) : null;
            if (state == null) {
                state = take(connection, "SELECT tokens, updated_ms FROM rate_buckets WHERE limiter = ? AND key_hash = ? FOR UPDATE",
                        current);
            }
            double tokens = Math.min(burst, state[0] + Math.max(0, now - (long) state[1]) * ratePerMilli);
            long wait = 0;
            if (tokens >= 1) {
                tokens -= 1;
            } else {
                wait = Math.max(1, (long) Math.ceil((1 - tokens) / ratePerMilli));
            }
            long fullAt = now + (long) Math.ceil((burst - tokens) / ratePerMilli);
            update(connection, "UPDATE rate_buckets SET tokens = ?, updated_ms = ?, full_at_ms = ? WHERE limiter = ? AND key_hash = ?",
                    tokens, now, fullAt, name, current);
            return wait;
        });
        return Duration.ofMillis(waitMillis);
    }

    /** {tokens, updated_ms} of the row the statement returns, or null. */
    private double[] take(java.sql.Connection connection, String sql, byte[] keyHash) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, name);
            statement.setBytes(2, keyHash);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? new double[] {row.getDouble(1), row.getLong(2)} : null;
            }
        }
    }

    @Override
    public void evictIdle() {
        long now = clock.millis();
        database.writeWithoutSync(connection -> update(connection, "DELETE FROM rate_buckets WHERE limiter = ? AND full_at_ms <= ?",
                name, now));
        hasher.deleteOld();
    }
}
