package org.parley.bench.bridge;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.parley.bench.BenchRun;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BridgeBenchTest {

    /** A tiny run end to end: its own TLS server and bridge JVMs, messages and call frames both ways, the memory figure. */
    @Tag("realtime")
    @Test
    void aShortRunMeasuresDirectAndThroughTheBridgeAndTheBridgesMemory() {
        BenchRun r = BenchRun.of("bridge", "--clients", "10", "--rate", "20", "--duration", "1", "--calls", "2", "--idle", "20");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("10 clients at 20.0 msgs/s offered").contains("messages delivered/s")
                .contains("call frame p50 / p99 ms").contains("bridge memory per relayed connection: RSS");
        assertThat(r.err()).contains("[bridge] messages direct").contains("[bridge] messages bridge");
    }

    @Test
    void badOptionsAreRefusedBeforeAnythingStarts() {
        BenchRun r = BenchRun.of("bridge", "--clients", "1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("--clients must be at least 2");
    }

    @Test
    void readsTheFiguresJcmdPrintsAndSaysWhenOneIsMissing() throws Exception {
        String histogram = """
                 num     #instances         #bytes  class name (module)
                -------------------------------------------------------
                   1:         12345        1048576  [B (java.base@17.0.15)
                Total         98765        4567890
                """;
        assertThat(ProcessMemory.parse(ProcessMemory.HISTOGRAM_TOTAL, histogram, "total")).isEqualTo(4567890);
        String nmt = "-                     Other (reserved=2053KB, committed=2053KB)\n                            (malloc=2053KB #12)";
        assertThat(ProcessMemory.parse(ProcessMemory.NMT_OTHER, nmt, "other")).isEqualTo(2053);
        assertThatThrownBy(() -> ProcessMemory.parse(ProcessMemory.NMT_OTHER, "Native memory tracking is not enabled", "NMT's Other category"))
                .isInstanceOf(IOException.class).hasMessageContaining("no NMT").hasMessageContaining("not enabled");
    }
}
