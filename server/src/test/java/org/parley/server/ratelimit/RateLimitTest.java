package org.parley.server.ratelimit;

import org.junit.jupiter.api.Test;
import org.parley.server.testing.MutableClock;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Test
    void aRefusalSaysHowLongUntilTheNextToken() {
        KeyedRateLimiter<String> limiter = new KeyedRateLimiter<>(2, 2, nanos::get); // two a second, two at once
        assertThat(limiter.acquire("a")).isZero();
        assertThat(limiter.acquire("a")).isZero();
        assertThat(limiter.acquire("a")).isEqualTo(Duration.ofMillis(500));
        nanos.addAndGet(Duration.ofMillis(200).toNanos());
        assertThat(limiter.acquire("a")).as("a refusal takes nothing").isEqualTo(Duration.ofMillis(300));
        assertThat(limiter.acquire("b")).as("another key has its own bucket").isZero();
        nanos.addAndGet(Duration.ofMillis(300).toNanos());
        assertThat(limiter.acquire("a")).isZero();
    }

    @Test
    void aWaitIsRoundedUpToAWholeMillisecondNeverDownToZero() {
        assertThat(TokenBucket.retryAfter(1)).isEqualTo(Duration.ofMillis(1));
        assertThat(TokenBucket.retryAfter(1_000_000)).isEqualTo(Duration.ofMillis(1));
        assertThat(TokenBucket.retryAfter(1_000_001)).isEqualTo(Duration.ofMillis(2));
        assertThat(TokenBucket.retryAfter(0)).isZero();
        KeyedRateLimiter<String> hourly = new KeyedRateLimiter<>(1 / 3600.0, 1, nanos::get);
        hourly.acquire("x");
        assertThat(hourly.acquire("x")).isBetween(Duration.ofMinutes(59), Duration.ofMinutes(60));
    }

    @Test
    void keysAreForgottenOnceTheirWindowHasPassed() {
        KeyedRateLimiter<String> limiter = new KeyedRateLimiter<>(1, 3, nanos::get);
        limiter.acquire("198.51.100.7");
        limiter.acquire("other");
        limiter.evictIdle();
        assertThat(limiter.size()).as("buckets not yet refilled are kept").isEqualTo(2);
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        limiter.evictIdle();
        assertThat(limiter.size()).as("a bucket that has refilled holds nothing worth keeping").isZero();
    }

    @Test
    void anIpv6NetworkIsItsSlash64AndIpv4IsEachAddress() throws Exception {
        Network home = Network.of(InetAddress.getByName("2001:db8:1:2::1"));
        assertThat(Network.of(InetAddress.getByName("2001:db8:1:2:ffff:ffff:ffff:ffff"))).isEqualTo(home);
        assertThat(Network.of(InetAddress.getByName("2001:db8:1:3::1"))).isNotEqualTo(home);
        assertThat(Network.of(InetAddress.getByName("192.0.2.1"))).isNotEqualTo(Network.of(InetAddress.getByName("192.0.2.2")));
        assertThat(Network.of(InetAddress.getByName("::ffff:192.0.2.1"))).as("IPv4-mapped is the IPv4 address")
                .isEqualTo(Network.of(InetAddress.getByName("192.0.2.1")));
        // An IPv4 address and an IPv6 prefix with the same bits are different networks.
        assertThat(Network.of(InetAddress.getByName("::c000:201"))).isNotEqualTo(Network.of(InetAddress.getByName("192.0.2.1")));
        assertThat(home.toString()).doesNotContain("2001").doesNotContain("db8");
    }

    @Test
    void aDailyQuotaReservesGivesBackAndStartsAgainAtMidnightUtc() {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T23:00:00Z"));
        DailyQuota<String> quota = new DailyQuota<>(100, clock);
        assertThat(quota.reserve("alice", 70)).isEqualTo(70);
        assertThat(quota.reserve("alice", 70)).as("only what is left").isEqualTo(30);
        assertThat(quota.reserve("alice", 1)).isZero();
        assertThat(quota.remaining("bob")).isEqualTo(100);
        quota.release("alice", 25, LocalDate.of(2026, 3, 1));
        assertThat(quota.remaining("alice")).isEqualTo(25);
        assertThat(quota.untilReset()).isEqualTo(Duration.ofHours(1));

        clock.advance(Duration.ofHours(1));
        assertThat(quota.day()).isEqualTo(LocalDate.of(2026, 3, 2));
        quota.release("alice", 50, LocalDate.of(2026, 3, 1));
        assertThat(quota.remaining("alice")).as("a new day; yesterday's give-back is void").isEqualTo(100);
        quota.evictPastDays();
        assertThat(quota.size()).isZero();
    }
}
