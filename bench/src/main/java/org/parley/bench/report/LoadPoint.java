package org.parley.bench.report;

import com.fasterxml.jackson.databind.JsonNode;

/** One measured rate step as read back from a {@code bench load --json} line. */
public record LoadPoint(String target, int clients, double offeredRate, double deliveredPerSecond, double p50Ms,
                        double p99Ms, double p999Ms, long errors, long undelivered, Double serverCpuSeconds,
                        Double serverJitCpuSeconds, Double serverMicrosPerMessageWithoutJit, Double serverRssMib, Long bytesPerIdleConnection, int size, int durationSeconds) {

    /** Reads one JSON object written by {@code bench load}; missing keys are an error naming the key. */
    public static LoadPoint fromJson(JsonNode json) {
        return new LoadPoint(text(json, "target"), (int) number(json, "clients"), number(json, "offered_rate"),
                number(json, "delivered_per_s"), number(json, "p50_ms"), number(json, "p99_ms"), number(json, "p999_ms"),
                (long) number(json, "errors"), json.path("undelivered").asLong(0),
                optionalNumber(json, "server_cpu_s"), optionalNumber(json, "server_jit_cpu_s"),
                optionalNumber(json, "server_cpu_us_per_msg_without_jit"), optionalNumber(json, "server_rss_mib"),
                json.hasNonNull("bytes_per_idle_connection") ? json.get("bytes_per_idle_connection").asLong() : null,
                json.path("size").asInt(0), json.path("duration_s").asInt(0));
    }

    public boolean idle() {
        return bytesPerIdleConnection != null;
    }

    private static String text(JsonNode json, String key) {
        JsonNode node = json.get(key);
        if (node == null || !node.isTextual()) {
            throw new IllegalArgumentException("load result has no text \"" + key + "\": " + json);
        }
        return node.asText();
    }

    private static double number(JsonNode json, String key) {
        JsonNode node = json.get(key);
        if (node == null || !node.isNumber()) {
            throw new IllegalArgumentException("load result has no number \"" + key + "\": " + json);
        }
        return node.asDouble();
    }

    private static Double optionalNumber(JsonNode json, String key) {
        JsonNode node = json.get(key);
        return node != null && node.isNumber() ? node.asDouble() : null;
    }
}
