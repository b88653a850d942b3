package org.parley.bench.load;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LatencySummaryTest {

    @Test
    void percentilesOfAUniformSpreadInMilliseconds() {
        Histogram histogram = LatencySummary.newHistogram();
        for (long ms = 1; ms <= 1000; ms++) {
            histogram.recordValue(ms * 1_000_000L);
        }
        LatencySummary summary = LatencySummary.of(histogram);
        assertThat(summary.count()).isEqualTo(1000);
        assertThat(summary.p50Ms()).isCloseTo(500, within(1.0));
        assertThat(summary.p99Ms()).isCloseTo(990, within(1.0));
        assertThat(summary.p999Ms()).isCloseTo(999, within(1.0));
        assertThat(summary.maxMs()).isCloseTo(1000, within(1.0));
    }

    @Test
    void oneSlowMessageInAThousandShowsAtP999NotP99() {
        Histogram histogram = LatencySummary.newHistogram();
        for (int i = 0; i < 999; i++) {
            histogram.recordValue(2_000_000L);
        }
        histogram.recordValue(800_000_000L);
        LatencySummary summary = LatencySummary.of(histogram);
        assertThat(summary.p99Ms()).isCloseTo(2, within(0.01));
        assertThat(summary.p999Ms()).isCloseTo(2, within(0.01));
        assertThat(summary.maxMs()).isCloseTo(800, within(1.0));
    }

    @Test
    void emptyHistogramIsAllZero() {
        assertThat(LatencySummary.of(LatencySummary.newHistogram())).isEqualTo(new LatencySummary(0, 0, 0, 0, 0));
    }
}
