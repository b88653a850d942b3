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
    private final AtomicLong offsetMillis = new AtomicLong();

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
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("an adjustable test clock stays in UTC");
    }
}
