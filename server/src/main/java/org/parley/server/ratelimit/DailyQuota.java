package org.parley.server.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * An amount per key and UTC day (attachment bytes per account), in memory only: the database
 * never learns who used how much, and a key is forgotten when its day is over. Uses are reserved
 * before they happen and the unused part is given back, so that parallel uses cannot together
 * pass the quota. A restart forgets the day's counts.
 */
public final class DailyQuota<K> implements DailyAllowance<K> {
    private final long perDay;
    private final Clock clock;
    private final Map<K, Long> usedToday = new HashMap<>();
    private LocalDate today;

    public DailyQuota(long perDay, Clock clock) {
        if (perDay < 1) {
            throw new IllegalArgumentException("a daily quota must be at least 1, was " + perDay);
        }
        this.perDay = perDay;
        this.clock = clock;
        this.today = today(clock);
    }

    @Override
    public long perDay() {
        return perDay;
    }

    @Override
    public synchronized long remaining(K key) {
        rollOver();
        return perDay - usedToday.getOrDefault(key, 0L);
    }

    @Override
    public synchronized long reserve(K key, long wanted) {
        rollOver();
        long granted = Math.min(Math.max(0, wanted), perDay - usedToday.getOrDefault(key, 0L));
        if (granted > 0) {
            usedToday.merge(key, granted, Long::sum);
        }
        return granted;
    }

    @Override
    public synchronized void release(K key, long unused, LocalDate reservedOn) {
        rollOver();
        if (unused <= 0 || !reservedOn.equals(today)) {
            return;
        }
        usedToday.computeIfPresent(key, (k, used) -> used - unused <= 0 ? null : used - unused);
    }

    @Override
    public synchronized LocalDate day() {
        rollOver();
        return today;
    }

    @Override
    public Duration untilReset() {
        var now = clock.instant();
        var midnight = LocalDate.ofInstant(now, ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        return Duration.between(now, midnight);
    }

    private static LocalDate today(Clock clock) {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    @Override
    public synchronized void evictPastDays() {
        rollOver();
    }

    public synchronized int size() {
        return usedToday.size();
    }

    private void rollOver() {
        LocalDate now = today(clock);
        if (!now.equals(today)) {
            usedToday.clear();
            today = now;
        }
    }
}
