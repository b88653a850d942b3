package org.parley.server.ratelimit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.server.testing.Backend;
import org.parley.server.testing.DatabaseDump;
import org.parley.server.testing.StoreHarness;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Limits in PostgreSQL as two nodes see them (two {@link Limiters#shared} over one schema), with the
 * store's clock moved by hand: buckets refill, survive the hourly turn of their hash's secret, and
 * their rows and old secrets are deleted once they no longer limit anything. Skipped without
 * {@code PARLEY_TEST_POSTGRES}.
 */
class SharedLimitersTest {
    @TempDir
    Path tempDir;
    private StoreHarness harness;

    private Limiters node() {
        return Limiters.shared(harness.store().database(), harness.clock);
    }

    private static byte[] key(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private List<DatabaseDump.Row> rows(String table) {
        return DatabaseDump.of(harness.config().url()).stream().filter(row -> row.table().equals(table)).toList();
    }

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void aBucketIsSharedByNodesRefillsAndOutlivesTheTurnOfItsHashSecret() {
        harness = StoreHarness.open(Backend.POSTGRESQL, tempDir);
        // 10:15:30 now; the turn to 11:00 is 44.5 minutes away.
        RateLimiter<String> onA = node().perHour("test", 3, SharedLimitersTest::key);
        RateLimiter<String> onB = node().perHour("test", 3, SharedLimitersTest::key);
        assertThat(onA.acquire("network 1")).isZero();
        assertThat(onB.acquire("network 1")).isZero();
        assertThat(onA.acquire("network 1")).isZero();
        Duration wait = onB.acquire("network 1");
        assertThat(wait).as("one token every 20 minutes").isBetween(Duration.ofMinutes(19), Duration.ofMinutes(20));
        assertThat(onA.acquire("network 2")).as("another key has its own bucket").isZero();

        harness.clock.advance(Duration.ofMinutes(20));
        assertThat(onA.acquire("network 1")).isZero();
        assertThat(onB.acquire("network 1")).isPositive();

        harness.clock.advance(Duration.ofMinutes(25)); // 11:00:30: a new secret, a new hash
        assertThat(onA.acquire("network 1")).as("refilled by time only, not by the turn").isZero();
        assertThat(onB.acquire("network 1")).isPositive();
        assertThat(rows("rate_buckets")).as("the bucket moved to the new hash").hasSize(2);

        harness.clock.advance(Duration.ofHours(2));
        onA.evictIdle();
        assertThat(rows("rate_buckets")).as("full buckets are forgotten").isEmpty();
        assertThat(rows("limit_secrets")).as("only this hour's and the last one's secrets are left")
                .allSatisfy(row -> assertThat((Long) row.columns().get("period_start"))
                        .isGreaterThanOrEqualTo(harness.clock.instant().getEpochSecond() / 3600 * 3600 - 3600));
    }

    @Test
    void aDailyQuotaIsCountedAcrossNodesAndStartsAgainAtMidnight() {
        harness = StoreHarness.open(Backend.POSTGRESQL, tempDir);
        DailyAllowance<String> onA = node().daily("bytes", 100, SharedLimitersTest::key);
        DailyAllowance<String> onB = node().daily("bytes", 100, SharedLimitersTest::key);
        LocalDate day = onA.day();
        assertThat(onA.reserve("alice", 70)).isEqualTo(70);
        assertThat(onB.reserve("alice", 70)).as("what A reserved counts on B").isEqualTo(30);
        assertThat(onB.remaining("alice")).isZero();
        onB.release("alice", 50, day);
        assertThat(onA.remaining("alice")).isEqualTo(50);
        assertThat(onA.reserve("bob", 100)).isEqualTo(100);
        assertThat(onA.reserve("alice", -5)).isZero();

        harness.clock.advance(Duration.ofDays(1));
        onB.release("alice", 50, day); // a reservation of yesterday gives nothing back today
        assertThat(onA.remaining("alice")).isEqualTo(100);
        onA.evictPastDays();
        assertThat(rows("daily_usage")).isEmpty();
    }

    @Test
    void aLimitThatRefillsOverMoreThanAnHourIsRefused() {
        harness = StoreHarness.open(Backend.POSTGRESQL, tempDir);
        assertThatThrownBy(() -> node().rate("slow", 1 / 7200.0, 1, SharedLimitersTest::key))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than an hour");
    }
}
