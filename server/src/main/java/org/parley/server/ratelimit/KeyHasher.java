package org.parley.server.ratelimit;

import org.parley.server.storage.Database;
import org.parley.server.storage.Secrets;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.parley.server.storage.Sql.update;

/**
 * The keyed hash under which a limit's key (a client's network, an account) is stored in shared
 * PostgreSQL: HMAC-SHA256 under a random secret of the current period, which every node reads from
 * table {@code limit_secrets} (the first to need one makes it). A secret is deleted once the period
 * after its own has ended ({@link #deleteOld()}), and with it any way to tell which key a
 * leftover row stood for: nobody can then test a guessed address against it. Thread-safe.
 */
final class KeyHasher {
    private static final int SECRET_BYTES = 32;

    private final Database database;
    private final Clock clock;
    private final long periodSeconds;
    private final Map<Long, SecretKeySpec> secrets = new ConcurrentHashMap<>();

    KeyHasher(Database database, Clock clock, long periodSeconds) {
        this.database = database;
        this.clock = clock;
        this.periodSeconds = periodSeconds;
    }

    /** The hash of {@code key} within {@code scope} under the secret of the period {@code periodsAgo} before the current one. */
    byte[] hash(String scope, byte[] key, int periodsAgo) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(secret(currentPeriod() - periodsAgo));
            mac.update(scope.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return mac.doFinal(key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no usable HmacSHA256", e);
        }
    }

    /** Deletes the secrets of every period before the previous one, here and in the database. */
    void deleteOld() {
        long oldest = currentPeriod() - 1;
        secrets.keySet().removeIf(period -> period < oldest);
        database.writeWithoutSync(connection -> update(connection,
                "DELETE FROM limit_secrets WHERE period_seconds = ? AND period_start < ?", (int) periodSeconds, oldest * periodSeconds));
    }

    private long currentPeriod() {
        return Math.floorDiv(clock.millis() / 1000, periodSeconds);
    }

    private SecretKeySpec secret(long period) {
        return secrets.computeIfAbsent(period, p -> new SecretKeySpec(loadOrCreate(p * periodSeconds), "HmacSHA256"));
    }

    private byte[] loadOrCreate(long periodStart) {
        byte[] candidate = Secrets.random(SECRET_BYTES);
        return database.write(connection -> {
            update(connection, "INSERT INTO limit_secrets (period_seconds, period_start, secret) VALUES (?, ?, ?) "
                    + "ON CONFLICT (period_seconds, period_start) DO NOTHING", (int) periodSeconds, periodStart, candidate);
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT secret FROM limit_secrets WHERE period_seconds = ? AND period_start = ?")) {
                select.setInt(1, (int) periodSeconds);
                select.setLong(2, periodStart);
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    return row.getBytes(1);
                }
            }
        });
    }
}
