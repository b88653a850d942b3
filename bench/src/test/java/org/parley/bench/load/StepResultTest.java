package org.parley.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StepResultTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static StepResult result(double bytesPerIdle) {
        return new StepResult("parley", 10_000, 9_990, 20_000, 256, 0, 10, 200_000, 200_000, 190_000, 199_990,
                new LatencySummary(199_990, 1.25, 12.5, 40.0, 80.0), 3, Map.of("login timed out", 3L),
                7.5, 1.5, 512L * 1024 * 1024, 6.0, bytesPerIdle);
    }

    @Test
    void jsonHasTheIssuesKeysFirstWithTheirValues() throws Exception {
        JsonNode json = JSON.readTree(JSON.writeValueAsString(result(Double.NaN).toJson()));
        List<String> keys = iterable(json);
        assertThat(keys.subList(0, 7)).containsExactly("delivered_per_s", "p50_ms", "p99_ms", "p999_ms", "errors",
                "server_cpu_s", "server_rss_mib");
        assertThat(keys).doesNotContain("bytes_per_idle_connection");
        assertThat(json.get("delivered_per_s").asDouble()).isEqualTo(19_000.0);
        assertThat(json.get("p99_ms").asDouble()).isEqualTo(12.5);
        assertThat(json.get("errors").asLong()).isEqualTo(3);
        assertThat(json.get("server_rss_mib").asDouble()).isEqualTo(512.0);
        assertThat(json.get("undelivered").asLong()).isEqualTo(10);
    }

    @Test
    void theJitCompilersCpuIsGivenAndLeftOutOfTheCostPerMessage() throws Exception {
        StepResult step = result(Double.NaN);
        JsonNode json = JSON.readTree(JSON.writeValueAsString(step.toJson()));
        assertThat(json.get("server_jit_cpu_s").asDouble()).isEqualTo(1.5);
        // (7.5 s - 1.5 s) over 199,990 delivered messages
        assertThat(json.get("server_cpu_us_per_msg_without_jit").asDouble()).isEqualTo(30.0);
        assertThat(step.summary()).contains("server cpu 7.5 s (JIT compiler 1.5 s; 30 µs per delivered message without it)");
        JsonNode idle = JSON.readTree(JSON.writeValueAsString(result(6_000).toJson()));
        assertThat(idle.get("server_cpu_us_per_msg_without_jit").isNull()).isTrue();
    }

    @Test
    void idleResultsCarryBytesPerConnection() throws Exception {
        JsonNode json = JSON.readTree(JSON.writeValueAsString(result(6_123.4).toJson()));
        assertThat(json.get("bytes_per_idle_connection").asLong()).isEqualTo(6_123);
    }

    @Test
    void unknownServerFiguresAreNull() throws Exception {
        StepResult unknown = new StepResult("ejabberd", 2, 2, 1, 64, 0, 1, 1, 1, 1, 1,
                new LatencySummary(1, 1, 1, 1, 1), 0, Map.of(), Double.NaN, Double.NaN, -1, 0.1, Double.NaN);
        JsonNode json = JSON.readTree(JSON.writeValueAsString(unknown.toJson()));
        assertThat(json.get("server_cpu_s").isNull()).isTrue();
        assertThat(json.get("server_rss_mib").isNull()).isTrue();
        assertThat(json.get("server_jit_cpu_s").isNull()).isTrue();
        assertThat(json.get("server_cpu_us_per_msg_without_jit").isNull()).isTrue();
        assertThat(unknown.summary()).contains("server cpu unknown");
    }

    private static List<String> iterable(JsonNode json) {
        List<String> keys = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        return keys;
    }
}
