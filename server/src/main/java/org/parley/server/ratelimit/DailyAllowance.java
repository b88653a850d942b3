package org.parley.server.ratelimit;

import java.time.Duration;
import java.time.LocalDate;

/**
 * An amount per key and UTC day (attachment bytes per account). Uses are reserved before they
 * happen and the unused part is given back, so that parallel uses cannot together pass it.
 * {@link DailyQuota} counts in memory (one node); {@link SharedDailyQuota} in PostgreSQL, across nodes.
 */
public interface DailyAllowance<K> {

    long perDay();

    /** What {@code key} may still use today. */
    long remaining(K key);

    /** Reserves up to {@code wanted} of today's remainder and returns how much was granted (0 when none is left). */
    long reserve(K key, long wanted);

    /** Gives back the unused part of a reservation; nothing once its day is over (the count started again). */
    void release(K key, long unused, LocalDate reservedOn);

    /** The UTC day reservations are counted on now. */
    LocalDate day();

    /** How long until the counts start again (next UTC midnight), for a client's retry hint. */
    Duration untilReset();

    /** Forgets past days; run periodically. */
    void evictPastDays();
}
