package org.parley.bench.mls;

import org.junit.jupiter.api.Test;
import org.parley.bench.BenchRun;

import static org.assertj.core.api.Assertions.assertThat;

class LargeGroupBenchTest {

    @Test
    void aTinyRunPrintsOneTableRowPerSize() {
        BenchRun r = BenchRun.of("large-group", "--sizes", "2,10", "--repeats", "1", "--warmup", "0");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("MLS large groups: suite 1, sizes [2, 10], 0 warm-up + 1 measured rounds")
                .contains("| members | create commit ms (CPU / wall) |")
                .contains("KeyPackages generated per CPU second");
        assertThat(r.out().lines().filter(line -> line.startsWith("| 2 |") || line.startsWith("| 10 |"))).hasSize(2);
    }

    @Test
    void aGroupOfOneIsAUsageError() {
        BenchRun r = BenchRun.of("large-group", "--sizes", "1,10");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--sizes must be 2 members or more");
    }

    @Test
    void aSizeThatIsNotANumberIsAUsageError() {
        BenchRun r = BenchRun.of("large-group", "--sizes", "2,many");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--sizes").contains("many");
    }
}
