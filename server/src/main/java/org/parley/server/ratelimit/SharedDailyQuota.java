package org.parley.server.ratelimit;

import org.parley.server.storage.Database;
import org.parley.server.storage.Sql;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.function.Function;

import static org.parley.server.storage.Sql.update;

/**
 * A daily amount per key in PostgreSQL (table {@code daily_usage}), counted across every node: one
 * row per key and UTC day under the {@link KeyHasher} hash of the key (its secret changes every
 * day), deleted once the day is over. A reservation is one transaction that locks the row.
 */
public final class SharedDailyQuota<K> implements DailyAllowance<K> {
    private final Database database;
    private final KeyHasher hasher;
    private final String name;
    private final long perDay;
    private final Function<K, byte[]> encoder;
    private final Clock clock;

    SharedDailyQuota(Database database, KeyHasher hasher, String name, long perDay, Function<K, byte[]> encoder, Clock clock) {
        if (perDay < 1) {
            throw new IllegalArgumentException("a daily quota must be at least 1, was " + perDay);
        }
        this.database = database;
        this.hasher = hasher;
        this.name = name;
        this.perDay = perDay;
        this.encoder = encoder;
        this.clock = clock;
    }

    @Override
    public long perDay() {
        return perDay;
    }

    @Override
    public long remaining(K key) {
        byte[] hash = hasher.hash(name, encoder.apply(key), 0);
        long day = day().toEpochDay();
        return perDay - database.read(connection -> Sql.queryLong(connection,
                "SELECT used FROM daily_usage WHERE quota = ? AND key_hash = ? AND day = ?", name, hash, day));
    }

    @Override
    public long reserve(K key, long wanted) {
        byte[] hash = hasher.hash(name, encoder.apply(key), 0);
        long day = day().toEpochDay();
        return database.write(connection -> {
            update(connection, "INSERT INTO daily_usage (quota, key_hash, day, used) VALUES (?, ?, ?, 0) "
                    + "ON CONFLICT (quota, key_hash, day) DO NOTHING", name, hash, day);
            long used = Sql.queryLong(connection, "SELECT used FROM daily_usage WHERE quota = ? AND key_hash = ? AND day = ? FOR UPDATE",
                    name, hash, day);
            long granted = Math.min(Math.max(0, wanted), perDay - used);
            if (granted > 0) {
                update(connection, "UPDATE daily_usage SET used = used + ? WHERE quota = ? AND key_hash = ? AND day = ?",
                        granted, name, hash, day);
            }
            return Math.max(0, granted);
        });
    }

    @Override
    public void release(K key, long unused, LocalDate reservedOn) {
        if (unused <= 0 || !reservedOn.equals(day())) {
            return;
        }
        byte[] hash = hasher.hash(name, encoder.apply(key), 0);
        database.write(connection -> update(connection,
                "UPDATE daily_usage SET used = GREATEST(0, used - ?) WHERE quota = ? AND key_hash = ? AND day = ?",
                unused, name, hash, reservedOn.toEpochDay()));
    }

    @Override
    public LocalDate day() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    @Override
    public Duration untilReset() {
        var now = clock.instant();
        return Duration.between(now, day().plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
    }

    @Override
    public void evictPastDays() {
        long today = day().toEpochDay();
        database.writeWithoutSync(connection -> update(connection, "DELETE FROM daily_usage WHERE quota = ? AND day < ?", name, today));
        hasher.deleteOld();
    }
}
