package org.parley.bench.load;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenLoopScheduleTest {

    private static final long START = 5_000_000_000L;

    @Test
    void firstMessageIsDueAtTheStartAndOnePerIntervalAfter() {
        OpenLoopSchedule schedule = new OpenLoopSchedule(START, 1000);
        assertThat(schedule.dueBy(START - 1)).isZero();
        assertThat(schedule.dueBy(START)).isEqualTo(1);
        assertThat(schedule.dueBy(START + 999_999)).isEqualTo(1);
        assertThat(schedule.dueBy(START + 1_000_000)).isEqualTo(2);
        assertThat(schedule.dueBy(START + 1_000_000_000L)).isEqualTo(1001);
    }

    @Test
    void aLateCallerClaimsEverythingItMissedWithTheOriginalIntendedTimes() {
        OpenLoopSchedule schedule = new OpenLoopSchedule(START, 100); // one every 10 ms
        assertThat(schedule.claimDue(START)).isEqualTo(new OpenLoopSchedule.Batch(0, 1));
        // The caller stalls for 50 ms: five more are due, and none is dropped or re-timed.
        OpenLoopSchedule.Batch late = schedule.claimDue(START + 50_000_000L);
        assertThat(late).isEqualTo(new OpenLoopSchedule.Batch(1, 5));
        assertThat(schedule.intendedNanos(late.first())).isEqualTo(START + 10_000_000L);
        assertThat(schedule.intendedNanos(late.first() + late.count() - 1)).isEqualTo(START + 50_000_000L);
        assertThat(schedule.claimDue(START + 55_000_000L).count()).isZero();
        assertThat(schedule.issued()).isEqualTo(6);
    }

    @Test
    void fractionalRatesKeepTheirAverage() {
        OpenLoopSchedule schedule = new OpenLoopSchedule(0, 2.5);
        assertThat(schedule.dueBy(10_000_000_000L)).isEqualTo(26);
    }

    @Test
    void rejectsRatesThatAreNotPositiveNumbers() {
        for (double rate : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> new OpenLoopSchedule(0, rate)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("rate");
        }
    }
}
