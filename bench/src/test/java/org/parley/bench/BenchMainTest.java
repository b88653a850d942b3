package org.parley.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code parley bench}: every benchmark is a subcommand with its own help; an unknown one is a usage error. */
class BenchMainTest {

    @Test
    void helpListsEveryBenchmark() {
        BenchRun r = BenchRun.of("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: parley bench")
                .contains("load", "report", "large-group", "join", "fuzz", "relay", "relay-core");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "load        | --server=URL         | (default http://127.0.0.1:7878)",
            "report      | --results=DIR        | --chart",
            "large-group | --sizes=MEMBERS      | (default 2,100,1000,10000,50000)",
            "join        | --members=N          | (default 10000)",
            "fuzz        | --inputs=N           | (default 1000000)",
            "relay       | --streams=N          | (default 100,1000,5000)",
            "relay-core  | --calls=N            | (default 1000)"})
    void everyBenchmarkExplainsItsOptionsAndDefaults(String benchmark, String option, String detail) {
        BenchRun r = BenchRun.of(benchmark, "--help");
        assertThat(r.code()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith("Usage: parley bench " + benchmark);
        // Without white space: the help wraps long values anywhere, even inside a URL.
        assertThat(r.out().replaceAll("\\s+", "")).contains(option).contains(detail.replaceAll("\\s+", ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "--help", "--sizes 2"})
    void anUnknownBenchmarkExits2WithOneLine(String after) {
        String[] rest = after.isEmpty() ? new String[0] : after.split(" ");
        String[] args = new String[rest.length + 1];
        args[0] = "no-such";
        System.arraycopy(rest, 0, args, 1, rest.length);

        BenchRun r = BenchRun.of(args);

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("parley bench: unknown command 'no-such'; see 'parley bench --help'"
                + System.lineSeparator());
    }
}
