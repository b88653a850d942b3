package org.parley.bench.load;

import org.HdrHistogram.Histogram;

/** Percentiles of one histogram of latencies recorded in nanoseconds, in milliseconds. */
public record LatencySummary(long count, double p50Ms, double p99Ms, double p999Ms, double maxMs) {

    /** Highest latency the histograms track; anything above is clamped to it (one minute). */
    public static final long HIGHEST_TRACKABLE_NANOS = 60_000_000_000L;

    /** A histogram suited to message latencies: 1 µs to a minute with 3 significant digits. */
    public static Histogram newHistogram() {
        return new Histogram(1_000L, HIGHEST_TRACKABLE_NANOS, 3);
    }

    /** The summary of {@code histogram}; all zero when it is empty. */
    public static LatencySummary of(Histogram histogram) {
        if (histogram.getTotalCount() == 0) {
            return new LatencySummary(0, 0, 0, 0, 0);
        }
        return new LatencySummary(histogram.getTotalCount(),
                millis(histogram.getValueAtPercentile(50)),
                millis(histogram.getValueAtPercentile(99)),
                millis(histogram.getValueAtPercentile(99.9)),
                millis(histogram.getMaxValue()));
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
