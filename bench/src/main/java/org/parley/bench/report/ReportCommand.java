package org.parley.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code parley bench report}: turns the JSON lines of {@code bench load} runs into
 * {@code bench/RESULTS.md} (machine, command, goals of issue 7, every step) and the PNG chart.
 */
@Command(name = "report",
        description = "Writes a Markdown results table and a PNG chart from bench load --json files.")
public final class ReportCommand implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    /** Issue 7's goals. */
    static final double GOAL_RATE = 50_000;
    static final double GOAL_P99_MS = 50;
    static final double GOAL_RATIO = 3;
    static final long GOAL_IDLE_BYTES = 8 * 1024;
    /** Issue 16: server CPU per delivered message, at this offered rate with 1,000 clients. */
    static final double GOAL_CPU_MICROS = 40;
    static final double GOAL_CPU_RATE = 8_000;
    static final int GOAL_CPU_CLIENTS = 1_000;
    /** compare.sh steps rates up until p99 passes this. */
    static final double STEP_LIMIT_P99_MS = 100;
    /** A step counts towards a rate only if it delivered this share of what was offered (issue 16: 97%). */
    static final double MIN_DELIVERED_SHARE = 0.97;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--results", required = true, paramLabel = "DIR", description = "Folder of *.jsonl files from bench load --json.")
    Path results;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Markdown file to write.")
    Path out;

    @Option(names = "--chart", required = true, paramLabel = "PNG", description = "Chart to write.")
    Path chart;

    @Option(names = "--command", defaultValue = "bench/compare.sh", description = "The command that produced the results.")
    String command;

    @Option(names = "--notes", paramLabel = "FILE", description = "Markdown appended after the tables (analysis, profile).")
    Path notes;

    @Override
    public Integer call() throws IOException {
        List<LoadPoint> points = read(results);
        if (points.isEmpty()) {
            throw new IllegalArgumentException("no load results (*.jsonl) in " + results);
        }
        LoadChart.write(points, "Delivered msgs/s vs p99 latency (" + points.get(0).size() + "-byte payloads)", chart);
        String markdown = markdown(points, Machine.describe(), command,
                ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")),
                out.toAbsolutePath().getParent().relativize(chart.toAbsolutePath()).toString(),
                notes != null && Files.exists(notes) ? Files.readString(notes) : "");
        Files.writeString(out, mergeInto(Files.exists(out) ? Files.readString(out) : "", markdown));
        return 0;
    }

    static final String BEGIN = "<!-- load benchmark: written by 'parley bench report'; begin -->";
    static final String END = "<!-- load benchmark: end -->";

    /**
     * The results file also holds other benchmarks' sections: replace only the load report between
     * its markers, or put it first when the file has none yet.
     */
    static String mergeInto(String existing, String report) {
        String block = BEGIN + "\n" + report.stripTrailing() + "\n" + END + "\n";
        int begin = existing.indexOf(BEGIN);
        int end = existing.indexOf(END);
        if (begin < 0 || end < begin) {
            return existing.isBlank() ? block : block + "\n" + existing;
        }
        return existing.substring(0, begin) + block + existing.substring(end + END.length()).replaceFirst("^\n", "");
    }

    static List<LoadPoint> read(Path dir) throws IOException {
        List<LoadPoint> points = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(file)) {
                    if (!line.isBlank()) {
                        JsonNode node = JSON.readTree(line);
                        points.add(LoadPoint.fromJson(node));
                    }
                }
            }
        }
        return points;
    }

    static String markdown(List<LoadPoint> points, String machine, String command, String date, String chartName,
                           String notes) {
        StringBuilder md = new StringBuilder();
        md.append("# Load benchmark results\n\n");
        md.append("Written by `").append(command).append("` on ").append(date).append(". Both servers ran on this machine,"
                + " measured by the same generator (`./parley bench load`) in the same run.\n\n");
        md.append(machine).append('\n');
        md.append("## Goals of issue 7\n\n");
        md.append("| goal | measured | met |\n| --- | --- | --- |\n");
        OptionalDouble parley = bestRate(points, "parley", 10_000, GOAL_P99_MS);
        md.append(String.format("| ≥ %,.0f delivered msgs/s at p99 < %.0f ms, 10,000 clients | %s | %s |%n", GOAL_RATE, GOAL_P99_MS,
                rate(parley), parley.isPresent() ? verdict(parley.getAsDouble() >= GOAL_RATE,
                        String.format("%.0f%% of the goal", 100 * parley.getAsDouble() / GOAL_RATE)) : "not measured"));
        md.append(ratioRows(points));
        md.append(cpuRow(points));
        Optional<LoadPoint> idle = points.stream().filter(p -> p.idle() && p.target().equals("parley"))
                .max(Comparator.comparingInt(LoadPoint::clients));
        md.append(String.format("| 100,000 idle connections at < %,d bytes each | %s | %s |%n%n", GOAL_IDLE_BYTES,
                idle.map(p -> String.format("%,d bytes each at %,d connections", p.bytesPerIdleConnection(), p.clients())).orElse("not measured"),
                idle.map(p -> verdict(p.bytesPerIdleConnection() < GOAL_IDLE_BYTES && p.clients() >= 100_000,
                        idleShortfall(p))).orElse("not measured")));

        md.append("## Rate steps\n\n");
        md.append("Open-loop offered rate; latency from each message's intended send time to its arrival, so a stalled"
                + " server cannot slow the generator down and hide it. Delivered/s counts deliveries during the send window."
                + " Server CPU is user+system seconds over the step and its drain; \"of it JIT\" is its JIT compiler threads' part.\n\n");
        md.append("| server | clients | offered msgs/s | delivered msgs/s | p50 ms | p99 ms | p99.9 ms | errors | undelivered | server CPU s | of it JIT s | server RSS MiB |\n");
        md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        points.stream().filter(p -> !p.idle())
                .sorted(Comparator.comparing(LoadPoint::target).thenComparingInt(LoadPoint::clients).thenComparingDouble(LoadPoint::offeredRate))
                .forEach(p -> md.append(String.format("| %s | %,d | %,.0f | %,.0f | %.2f | %.2f | %.2f | %d | %d | %s | %s | %s |%n",
                        p.target(), p.clients(), p.offeredRate(), p.deliveredPerSecond(), p.p50Ms(), p.p99Ms(), p.p999Ms(),
                        p.errors(), p.undelivered(), optional(p.serverCpuSeconds()), optional(p.serverJitCpuSeconds()),
                        optional(p.serverRssMib()))));
        List<LoadPoint> idles = points.stream().filter(LoadPoint::idle).toList();
        if (!idles.isEmpty()) {
            md.append("\n## Idle connections\n\n| server | connections | server RSS MiB | bytes per connection | errors |\n| --- | ---: | ---: | ---: | ---: |\n");
            idles.forEach(p -> md.append(String.format("| %s | %,d | %s | %,d | %d |%n", p.target(), p.clients(),
                    optional(p.serverRssMib()), p.bytesPerIdleConnection(), p.errors())));
        }
        md.append("\n![delivered msgs/s against p99 latency](").append(chartName).append(")\n");
        if (!notes.isBlank()) {
            md.append('\n').append(notes.strip()).append('\n');
        }
        return md.toString();
    }

    /**
     * Parley's best rate over ejabberd's under the same p99 limit, one row at 10,000 clients and one
     * at 1,000 (issue 16 asks for both): under the goal's 50 ms, else under the 100 ms at which
     * compare.sh stops stepping; a client count without an ejabberd step under either says so.
     */
    /** Issue 16's CPU goal, from the step that offered its rate: the JIT compiler's CPU is left out (a warming JVM's, not a message's). */
    static String cpuRow(List<LoadPoint> points) {
        Optional<LoadPoint> step = points.stream().filter(p -> !p.idle() && p.target().equals("parley") && p.clients() == GOAL_CPU_CLIENTS
                && p.offeredRate() == GOAL_CPU_RATE && p.serverMicrosPerMessageWithoutJit() != null).findFirst();
        String goal = String.format("| server CPU per delivered message < %.0f µs at %,.0f msgs/s (%,d clients, JIT compiler left out) |",
                GOAL_CPU_MICROS, GOAL_CPU_RATE, GOAL_CPU_CLIENTS);
        return step.map(p -> String.format("%s %.0f µs (%.1f s of CPU, %.1f s of it JIT) | %s |%n", goal, p.serverMicrosPerMessageWithoutJit(),
                        p.serverCpuSeconds(), p.serverJitCpuSeconds(), verdict(p.serverMicrosPerMessageWithoutJit() < GOAL_CPU_MICROS,
                                String.format("%.1f× the goal", p.serverMicrosPerMessageWithoutJit() / GOAL_CPU_MICROS))))
                .orElse(goal + " not measured | not measured |\n");
    }

    static String ratioRows(List<LoadPoint> points) {
        StringBuilder rows = new StringBuilder();
        for (int clients : new int[] {10_000, 1_000}) {
            rows.append(ratioRow(points, clients));
        }
        return rows.toString();
    }

    private static String ratioRow(List<LoadPoint> points, int clients) {
        for (double p99 : new double[] {GOAL_P99_MS, STEP_LIMIT_P99_MS}) {
            OptionalDouble parley = bestRate(points, "parley", clients, p99);
            OptionalDouble ejabberd = bestRate(points, "ejabberd", clients, p99);
            if (ejabberd.isPresent() && ejabberd.getAsDouble() > 0) {
                double ratio = parley.orElse(0) / ejabberd.getAsDouble();
                String where = p99 == GOAL_P99_MS ? "" : " (compared at p99 < 100 ms, ejabberd had no step under 50 ms)";
                // Rounded down, so that a ratio just short of the goal never reads as the goal itself.
                return String.format("| ≥ %.0f× ejabberd's rate at the same p99 (< %.0f ms, %,d clients) | %.2f× (parley %s, ejabberd %s) | %s |%n",
                        GOAL_RATIO, p99, clients, Math.floor(ratio * 100) / 100, rate(parley), rate(ejabberd),
                        (ratio >= GOAL_RATIO ? "yes" : "no") + where);
            }
        }
        boolean measured = points.stream().anyMatch(p -> !p.idle() && p.target().equals("ejabberd") && p.clients() == clients);
        return String.format("| ≥ %.0f× ejabberd's rate at the same p99 (%,d clients) | %s; parley %s under %.0f ms | not comparable in this run |%n",
                GOAL_RATIO, clients, measured ? String.format("no ejabberd step under %.0f ms p99 with %.0f%% delivered", STEP_LIMIT_P99_MS,
                        100 * MIN_DELIVERED_SHARE) : "ejabberd not measured", rate(bestRate(points, "parley", clients, GOAL_P99_MS)), GOAL_P99_MS);
    }

    /**
     * The highest delivered rate of {@code target} with {@code clients} clients in a step whose p99
     * stayed under {@code p99Ms} and that delivered at least {@link #MIN_DELIVERED_SHARE} of what
     * was offered (refused sends, a server's rate limit among them, are not delivered).
     */
    static OptionalDouble bestRate(List<LoadPoint> points, String target, int clients, double p99Ms) {
        return points.stream().filter(p -> !p.idle() && p.target().equals(target) && p.clients() == clients && p.p99Ms() < p99Ms
                        && p.deliveredPerSecond() >= MIN_DELIVERED_SHARE * p.offeredRate())
                .mapToDouble(LoadPoint::deliveredPerSecond).max();
    }

    private static String idleShortfall(LoadPoint idle) {
        List<String> why = new ArrayList<>();
        if (idle.bytesPerIdleConnection() >= GOAL_IDLE_BYTES) {
            why.add(String.format("%.1f× the memory goal", idle.bytesPerIdleConnection() / (double) GOAL_IDLE_BYTES));
        }
        if (idle.clients() < 100_000) {
            why.add(String.format("%,d of 100,000 connections", idle.clients()));
        }
        return String.join("; ", why);
    }

    private static String rate(OptionalDouble rate) {
        return rate.isPresent() ? String.format("%,.0f msgs/s", rate.getAsDouble()) : "none under the limit";
    }

    private static String verdict(boolean met, String detail) {
        return met ? "yes" : "no" + (detail.isEmpty() ? "" : " (" + detail + ")");
    }

    private static String optional(Double value) {
        return value == null ? "–" : String.format("%,.1f", value);
    }
}
