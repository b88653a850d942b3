package org.parley.bench.relay;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.parley.bench.BenchRun;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("realtime")
class RelayCoreBenchTest {

    @Test
    void aShortRunPrintsOneLinePerCallSizeAndRound() {
        BenchRun r = BenchRun.of("relay-core", "--calls", "10", "--seconds", "1", "--repeats", "1");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines()).hasSize(2);
        assertThat(r.out()).contains("call size 2, 10 calls: ").contains("call size 4, 10 calls: ").contains("ns CPU per copy");
    }

    @Test
    void zeroCallsIsAUsageError() {
        BenchRun r = BenchRun.of("relay-core", "--calls", "0");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("must be at least 1");
    }
}
