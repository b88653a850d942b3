package org.parley.bench.bridge;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.parley.bench.BenchRun;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BridgeBenchTest {

    /** A tiny run end to end: its own TLS server and bridge JVMs, messages and call frames both ways, the memory figure. */
    @Tag("realtime")
    @Test
    void aShortRunMeasuresDirectAndThroughTheBridgeAndTheBridgesMemory() {
        BenchRun r = BenchRun.of("bridge", "--clients", "10", "--rate", "20", "--duration", "1", "--calls", "2", "--idle", "20",
                "--passes", "2");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("10 clients at 20.0 msgs/s offered").contains("messages delivered/s")
                .contains("call frame p50 / p99 ms").contains("bridge memory per relayed connection: RSS");
        assertThat(r.out()).contains("medians of 2 passes each way").contains("in all");
        assertThat(r.err()).contains("[bridge] messages warm-up direct").contains("[bridge] messages warm-up bridge")
                .contains("[bridge] messages direct 1/2").contains("[bridge] messages bridge 2/2")
                .contains("[bridge] call frames bridge 1/2").contains("live heap per relayed connection by class");
        // Alternated: the first pass goes direct first, the second through the bridge first.
        assertThat(r.err().indexOf("messages direct 1/2")).isLessThan(r.err().indexOf("messages bridge 1/2"));
        assertThat(r.err().indexOf("messages bridge 2/2")).isLessThan(r.err().indexOf("messages direct 2/2"));
    }

    @Test
    void theFiguresAreMediansOfThePasses() {
        assertThat(BridgeBench.median(List.of(30.0, 10.0, 20.0))).isEqualTo(20.0);
        assertThat(BridgeBench.median(List.of(215.6, 34.4, 30.0, 40.0))).isEqualTo(37.2);
        assertThat(BridgeBench.median(List.of(-1.0))).isEqualTo(-1.0);
    }

    @Test
    void theLiveHeapPerConnectionIsSplitByClassFromTwoHistograms() {
        String before = """
                 num     #instances         #bytes  class name (module)
                -------------------------------------------------------
                   1:          1000         100000  [B (java.base@17.0.15)
                   2:            10            240  java.util.LinkedList$Node (java.base@17.0.15)
                Total          1010         100240
                """;
        String after = """
                 num     #instances         #bytes  class name (module)
                -------------------------------------------------------
                   1:          1200         140000  [B (java.base@17.0.15)
                   2:           200          12800  io.netty.channel.epoll.EpollSocketChannel
                   3:            10            240  java.util.LinkedList$Node (java.base@17.0.15)
                Total          1410         153040
                """;
        Map<String, Long> nativeBefore = ProcessMemory.nativeByCategory("""
                Total: reserved=1000KB, committed=500KB
                -                 Java Heap (reserved=262144KB, committed=262144KB)
                -                        GC (reserved=100KB, committed=100KB)
                """);
        Map<String, Long> nativeAfter = ProcessMemory.nativeByCategory("""
                Total: reserved=1100KB, committed=502KB
                -                 Java Heap (reserved=262144KB, committed=262144KB)
                -                        GC (reserved=101KB, committed=101KB)
                """);
        ProcessMemory grown = new ProcessMemory(4000 + 2048 * 100, 153040, 0, ProcessMemory.bytesByClass(after), nativeAfter)
                .minus(new ProcessMemory(1000, 100240, 0, ProcessMemory.bytesByClass(before), nativeBefore)).per(100);
        assertThat(grown.liveHeapBytes()).isEqualTo(528);
        assertThat(grown.rssBytes()).isEqualTo(2078);
        assertThat(grown.largestClasses(2)).containsExactly("     400 B  [B", "     128 B  io.netty.channel.epoll.EpollSocketChannel");
        assertThat(ProcessMemory.bytesByClass("no histogram here")).isEmpty();
        // 2 KB of NMT's total over 100 things: 20 B each, of which the collector's 10; the rest of the 2,078 B resident is untracked.
        assertThat(grown.largestNative(2)).containsExactly("      10 B  GC", "       0 B  Java Heap", "    2058 B  (resident, not tracked by NMT)");
        assertThat(ProcessMemory.nativeByCategory("Native memory tracking is not enabled")).isEmpty();
    }

    @Test
    void badOptionsAreRefusedBeforeAnythingStarts() {
        BenchRun r = BenchRun.of("bridge", "--clients", "1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("--clients and --idle must be at least 2");
        BenchRun noPasses = BenchRun.of("bridge", "--passes", "0");
        assertThat(noPasses.code()).isEqualTo(1);
        assertThat(noPasses.err()).contains("--passes positive");
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
