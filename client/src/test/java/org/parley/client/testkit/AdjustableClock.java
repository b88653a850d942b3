package org.parley.client.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The system clock plus an offset that a test moves forward, so that time-dependent behaviour
 * (a disappearing-message timer running out) is tested without sleeping. It keeps ticking, so
 * that everything else reading it (call media timestamps) behaves as with the real clock.
 */
public final class AdjustableClock extends Clock {
    private final AtomicLong offsetMillis;
    private final ZoneId zone;

    public AdjustableClock() {
        this(new AtomicLong(), ZoneOffset.UTC);
    }

    private AdjustableClock(AtomicLong offsetMillis, ZoneId zone) {
        this.offsetMillis = offsetMillis;
        this.zone = zone;
    }

    /** Moves this clock's time forward by {@code duration}. */
    public void advance(Duration duration) {
        offsetMillis.addAndGet(duration.toMillis());
    }

    @Override
    public long millis() {
        return System.currentTimeMillis() + offsetMillis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    /** The same time, moved by the same {@link #advance} calls, seen in another zone. */
    @Override
    public Clock withZone(ZoneId zone) {
        return new AdjustableClock(offsetMillis, zone);
    }
}
