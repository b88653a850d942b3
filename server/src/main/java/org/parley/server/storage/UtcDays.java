package org.parley.server.storage;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;

/** Dates kept as whole UTC days (days since 1970-01-01), the coarseness the threat model asks for. */
public final class UtcDays {
    private UtcDays() {
    }

    public static long today(Clock clock) {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).toEpochDay();
    }

    public static LocalDate date(long epochDay) {
        return LocalDate.ofEpochDay(epochDay);
    }
}
