package org.parley.bench.relay;

/**
 * Per-event-loop counters and a microsecond histogram of one-way delay (0 to 100 ms, then one
 * overflow bucket). Only its own event loop touches it, so it needs no synchronisation; the
 * harness resets and reads it by running tasks on that loop.
 */
final class DelayMeter {
    static final int MAX_MICROS = 100_000;

    final long[] delayMicros = new long[MAX_MICROS + 1];
    long sent;
    long received;
    long lateSends;
    /** Frames the generator skipped because it was more than a round behind. */
    long overrun;
    boolean measuring;

    void reset(boolean measure) {
        java.util.Arrays.fill(delayMicros, 0);
        sent = 0;
        received = 0;
        lateSends = 0;
        overrun = 0;
        measuring = measure;
    }

    void recordDelay(long nanos) {
        if (measuring) {
            received++;
            delayMicros[(int) Math.max(0, Math.min(MAX_MICROS, nanos / 1_000))]++;
        }
    }

    DelayMeter copy() {
        DelayMeter copy = new DelayMeter();
        System.arraycopy(delayMicros, 0, copy.delayMicros, 0, delayMicros.length);
        copy.sent = sent;
        copy.received = received;
        copy.lateSends = lateSends;
        copy.overrun = overrun;
        return copy;
    }

    void add(DelayMeter other) {
        for (int i = 0; i < delayMicros.length; i++) {
            delayMicros[i] += other.delayMicros[i];
        }
        sent += other.sent;
        received += other.received;
        lateSends += other.lateSends;
        overrun += other.overrun;
    }

    /** The delay below which {@code quantile} of the samples fall, in microseconds (-1 if none). */
    long percentileMicros(double quantile) {
        long total = 0;
        for (long count : delayMicros) {
            total += count;
        }
        if (total == 0) {
            return -1;
        }
        long rank = (long) Math.ceil(total * quantile);
        long seen = 0;
        for (int micros = 0; micros < delayMicros.length; micros++) {
            seen += delayMicros[micros];
            if (seen >= rank) {
                return micros;
            }
        }
        return MAX_MICROS;
    }
}
