package org.parley.bench.relay;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.parley.bench.BenchRun;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("realtime")
class RelayBenchTest {

    /** Loopback only: the direct baseline and Parley's relay in a JVM of its own; coturn is not needed. */
    @Test
    void aShortRunThroughParleysRelayPrintsEachWindowAndTheTable() {
        BenchRun r = BenchRun.of("relay", "--streams", "4", "--warmup", "0", "--window", "1", "--repeats", "1",
                "--systems", "direct,parley", "--relay-threads", "1", "--generator-threads", "1");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("relay bench: streams [4]")
                .contains("direct: 4 streams set up").contains("parley: 4 streams set up")
                .contains("| streams | system | offered frames/s |")
                .contains("| 4 | direct | 200 |").contains("| 4 | parley | 200 |")
                .contains("relay counters: ")
                .contains("4 streams: parley added delay over direct");
    }

    @Test
    void anUnknownSystemIsAUsageErrorBeforeAnythingRuns() {
        BenchRun r = BenchRun.of("relay", "--systems", "direct,janus");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("--systems takes direct, parley and coturn");
    }

    @Test
    void aTurnAddressWithoutAPortIsAUsageError() {
        BenchRun r = BenchRun.of("relay", "--turn", "127.0.0.1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("is not HOST:PORT");
    }
}
