package org.parley.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReportCommandTest {

    private static LoadPoint point(String target, int clients, double rate, double delivered, double p99) {
        return new LoadPoint(target, clients, rate, delivered, p99 / 4, p99, p99 * 2, 0, 0, 10.0, 2.0, 8.0 * 1e6 / (delivered * 10), 300.0, null, 256, 10);
    }

    private static LoadPoint idle(int clients, long bytes) {
        return new LoadPoint("parley", clients, 0, 0, 0, 0, 0, 0, 0, 1.0, null, null, 900.0, bytes, 256, 10);
    }

    private final List<LoadPoint> points = List.of(
            point("parley", 10_000, 20_000, 19_900, 8), point("parley", 10_000, 40_000, 39_000, 45),
            point("parley", 10_000, 60_000, 41_000, 900),
            point("ejabberd", 10_000, 5_000, 5_000, 30), point("ejabberd", 10_000, 10_000, 9_000, 400),
            idle(20_000, 9_000));

    @Test
    void bestRateIsTheHighestDeliveredUnderTheP99LimitWithAtLeast97PercentDelivered() {
        assertThat(ReportCommand.bestRate(points, "parley", 10_000, 50)).hasValue(39_000);
        assertThat(ReportCommand.bestRate(points, "ejabberd", 10_000, 50)).hasValue(5_000);
        assertThat(ReportCommand.bestRate(points, "parley", 1_000, 50)).isEmpty();
        // A fast step that refused many sends (a rate limit) delivered 85%: it does not count.
        List<LoadPoint> refusing = List.of(point("parley", 1_000, 8_000, 7_990, 40), point("parley", 1_000, 10_000, 8_500, 30));
        assertThat(ReportCommand.bestRate(refusing, "parley", 1_000, 50)).hasValue(7_990);
    }

    @Test
    void markdownStatesEachGoalWithTheShortfall() {
        String md = ReportCommand.markdown(points, "- machine: test\n", "bench/compare.sh", "2026-01-01 00:00 UTC",
                "load-chart.png", "## Notes\n\nwhere the time goes");
        assertThat(md).contains("39,000 msgs/s", "78% of the goal", "7.80× (parley 39,000 msgs/s, ejabberd 5,000 msgs/s)", "9,000 bytes each at 20,000 connections",
                "1.1× the memory goal; 20,000 of 100,000 connections", "| parley | 10,000 | 60,000 | 41,000 |", "![delivered msgs/s",
                "where the time goes", "- machine: test");
    }

    @Test
    void theCpuGoalIsReadFromTheThousandClientStepAtEightThousandWithoutTheJit() {
        // 10 s of CPU, 2 s of it JIT, over 10 s of 8,000 delivered msgs/s: 100 µs a message.
        assertThat(ReportCommand.cpuRow(List.of(point("parley", 1_000, 4_000, 4_000, 5), point("parley", 1_000, 8_000, 8_000, 20))))
                .contains("| 100 µs (10.0 s of CPU, 2.0 s of it JIT) | no (2.5× the goal) |");
        assertThat(ReportCommand.cpuRow(List.of(point("parley", 1_000, 8_000, 40_000, 20)))).contains("| 20 µs", "| yes |");
        assertThat(ReportCommand.cpuRow(points)).endsWith("not measured | not measured |\n");
    }

    @Test
    void theRatioIsGivenAtTenThousandAndAtOneThousandClientsEachUnderTheLowestLimitEjabberdMet() {
        List<LoadPoint> small = List.of(point("parley", 1_000, 4_000, 4_000, 20), point("parley", 10_000, 4_000, 3_990, 30),
                point("ejabberd", 1_000, 2_000, 2_000, 40), point("ejabberd", 10_000, 2_000, 500, 3_000));
        assertThat(ReportCommand.ratioRows(small)).contains(
                "| ≥ 3× ejabberd's rate at the same p99 (10,000 clients) | no ejabberd step under 100 ms p99 with 97% delivered; "
                        + "parley 3,990 msgs/s under 50 ms | not comparable in this run |",
                "| ≥ 3× ejabberd's rate at the same p99 (< 50 ms, 1,000 clients) | 2.00× (parley 4,000 msgs/s, ejabberd 2,000 msgs/s) | no |");
        assertThat(ReportCommand.ratioRows(List.of(point("parley", 1_000, 1, 1, 1)))).contains("ejabberd not measured").doesNotContain("yes");
        List<LoadPoint> justShort = List.of(point("parley", 1_000, 6_000, 5_997, 45), point("ejabberd", 1_000, 2_000, 2_000, 30));
        assertThat(ReportCommand.ratioRows(justShort)).contains("2.99× (parley 5,997 msgs/s, ejabberd 2,000 msgs/s) | no |");
        List<LoadPoint> slow = List.of(point("parley", 10_000, 4_000, 4_000, 45), point("ejabberd", 10_000, 1_000, 1_000, 68));
        assertThat(ReportCommand.ratioRows(slow)).contains("< 100 ms, 10,000 clients", "4.00×",
                "yes (compared at p99 < 100 ms, ejabberd had no step under 50 ms)");
    }

    @Test
    void readsJsonLinesAndDrawsAChart(@TempDir Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Files.writeString(dir.resolve("parley-1000.jsonl"),
                "{\"delivered_per_s\":1000.0,\"p50_ms\":1.0,\"p99_ms\":3.0,\"p999_ms\":5.0,\"errors\":0,\"server_cpu_s\":null,"
                        + "\"server_rss_mib\":100.0,\"target\":\"parley\",\"clients\":1000,\"offered_rate\":1000.0,\"size\":256}\n\n"
                        + json.writeValueAsString(java.util.Map.of("delivered_per_s", 2000.0, "p50_ms", 1.0, "p99_ms", 9.0,
                        "p999_ms", 12.0, "errors", 2, "target", "parley", "clients", 1000, "offered_rate", 2000.0)) + "\n");
        List<LoadPoint> read = ReportCommand.read(dir);
        assertThat(read).extracting(LoadPoint::deliveredPerSecond).containsExactly(1000.0, 2000.0);
        assertThat(read.get(0).serverCpuSeconds()).isNull();

        Path png = dir.resolve("chart.png");
        LoadChart.write(read, "test", png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isGreaterThan(100);
    }

    @Test
    void aResultWithoutARequiredKeyIsRejectedByName(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("x.jsonl"), "{\"target\":\"parley\",\"clients\":10}\n");
        assertThatThrownBy(() -> ReportCommand.read(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("offered_rate");
    }

    @Test
    void niceCeilingRoundsUpToOneTwoOrFive() {
        assertThat(LoadChart.niceCeiling(42_000)).isEqualTo(50_000);
        assertThat(LoadChart.niceCeiling(110)).isEqualTo(200);
        assertThat(LoadChart.niceCeiling(1000)).isEqualTo(1000);
    }

    @org.junit.jupiter.api.Test
    void rewritingTheLoadReportKeepsTheOtherBenchmarksSections() {
        String first = ReportCommand.mergeInto("", "# Load\nold figures\n");
        String withOthers = first + "\n## Call relay\nrelay figures\n";
        String rewritten = ReportCommand.mergeInto(withOthers, "# Load\nnew figures\n");
        org.assertj.core.api.Assertions.assertThat(rewritten)
                .contains("new figures").doesNotContain("old figures").endsWith("## Call relay\nrelay figures\n");
        String legacy = ReportCommand.mergeInto("## MLS large groups\nmls figures\n", "# Load\nfigures\n");
        org.assertj.core.api.Assertions.assertThat(legacy)
                .startsWith(ReportCommand.BEGIN).contains(ReportCommand.END + "\n\n## MLS large groups");
    }
}
