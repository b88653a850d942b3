package org.parley.bench.load;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures of one rate step (or of an idle hold). {@link #toJson()} gives the keys the issue
 * names ({@code delivered_per_s, p50_ms, p99_ms, p999_ms, errors, server_cpu_s, server_rss_mib},
 * and {@code bytes_per_idle_connection} when idle) followed by the context needed to read them.
 *
 * @param serverCpuSeconds CPU seconds the server used during the step, or NaN when it was not found
 * @param serverCompilerCpuSeconds of those, what its JIT compiler threads used (NaN when unknown): a
 *                         warming JVM's compiling is not what a message costs, so the cost per
 *                         message is also given without it
 * @param serverRssBytes   the server's resident memory at the end of the step, or -1 when unknown
 * @param bytesPerIdleConnection resident-memory growth per connection (idle runs), else NaN
 */
public record StepResult(String target, int clients, int connected, double offeredRate, int size, int groupSize,
                         int durationSeconds, long sent, long expected, long deliveredInWindow, long delivered,
                         LatencySummary latency, long errors, Map<String, Long> errorsByKind,
                         double serverCpuSeconds, double serverCompilerCpuSeconds, long serverRssBytes, double generatorCpuSeconds,
                         double bytesPerIdleConnection) {

    public double deliveredPerSecond() {
        return (double) deliveredInWindow / durationSeconds;
    }

    /** Messages asked for but not delivered by the end of the drain time. */
    public long undelivered() {
        return Math.max(0, expected - delivered);
    }

    /** Server CPU per delivered message without the JIT compiler's, in µs; NaN when unknown or nothing was delivered. */
    public double serverMicrosPerMessageWithoutCompiler() {
        if (Double.isNaN(serverCpuSeconds) || Double.isNaN(serverCompilerCpuSeconds) || delivered == 0) {
            return Double.NaN;
        }
        return (serverCpuSeconds - serverCompilerCpuSeconds) * 1e6 / delivered;
    }

    public boolean idle() {
        return !Double.isNaN(bytesPerIdleConnection);
    }

    /** One flat JSON object; the keys come first. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("delivered_per_s", round(deliveredPerSecond(), 1));
        json.put("p50_ms", round(latency.p50Ms(), 3));
        json.put("p99_ms", round(latency.p99Ms(), 3));
        json.put("p999_ms", round(latency.p999Ms(), 3));
        json.put("errors", errors);
        json.put("server_cpu_s", Double.isNaN(serverCpuSeconds) ? null : round(serverCpuSeconds, 2));
        json.put("server_rss_mib", serverRssBytes < 0 ? null : round(serverRssBytes / 1048576.0, 1));
        json.put("server_jit_cpu_s", Double.isNaN(serverCompilerCpuSeconds) ? null : round(serverCompilerCpuSeconds, 2));
        double perMessage = serverMicrosPerMessageWithoutCompiler();
        json.put("server_cpu_us_per_msg_without_jit", idle() || Double.isNaN(perMessage) ? null : round(perMessage, 1));
        if (idle()) {
            json.put("bytes_per_idle_connection", Math.round(bytesPerIdleConnection));
        }
        json.put("target", target);
        json.put("clients", clients);
        json.put("connected", connected);
        json.put("offered_rate", offeredRate);
        json.put("size", size);
        json.put("groups", groupSize);
        json.put("duration_s", durationSeconds);
        json.put("sent", sent);
        json.put("expected", expected);
        json.put("delivered", delivered);
        json.put("undelivered", undelivered());
        json.put("max_ms", round(latency.maxMs(), 3));
        json.put("generator_cpu_s", round(generatorCpuSeconds, 2));
        json.put("errors_by_kind", errorsByKind);
        return json;
    }

    /** A few human-readable lines for the terminal. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("%s: %d clients (%d connected), ", target, clients, connected));
        if (idle()) {
            s.append(String.format("idle: %.0f bytes of server memory per connection%n", bytesPerIdleConnection));
        } else {
            s.append(String.format("offered %.0f msgs/s of %d bytes%s for %d s%n", offeredRate, size,
                    groupSize > 0 ? " to groups of " + groupSize : "", durationSeconds));
            s.append(String.format("  delivered %.0f msgs/s (%d of %d, %d undelivered)%n",
                    deliveredPerSecond(), delivered, expected, undelivered()));
            s.append(String.format("  latency p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms%n",
                    latency.p50Ms(), latency.p99Ms(), latency.p999Ms(), latency.maxMs()));
        }
        s.append(String.format("  errors %d%s%n", errors, errorsByKind.isEmpty() ? "" : " " + errorsByKind));
        s.append(String.format("  server cpu %s, rss %s; generator cpu %.1f s%n",
                Double.isNaN(serverCpuSeconds) ? "unknown" : String.format("%.1f s%s", serverCpuSeconds, compilerPart()),
                serverRssBytes < 0 ? "unknown" : String.format("%.1f MiB", serverRssBytes / 1048576.0),
                generatorCpuSeconds));
        return s.toString();
    }

    /** " (JIT compiler 1.2 s; 118 µs per delivered message without it)", or less of it when unknown. */
    private String compilerPart() {
        if (Double.isNaN(serverCompilerCpuSeconds)) {
            return "";
        }
        double perMessage = serverMicrosPerMessageWithoutCompiler();
        return idle() || Double.isNaN(perMessage)
                ? String.format(" (JIT compiler %.1f s)", serverCompilerCpuSeconds)
                : String.format(" (JIT compiler %.1f s; %.0f µs per delivered message without it)", serverCompilerCpuSeconds, perMessage);
    }

    private static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }
}
