package org.parley.bench.spam;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.parley.bench.BenchRun;

import static org.assertj.core.api.Assertions.assertThat;

class SpamCommandTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--bots 0 | --bots must be 1 to 10000",
            "--honest 1 | --honest must be 2 to 1000",
            "--bots 10 --old-contacts 11 | --old-contacts must be 0 to --bots",
            "--bot-rate 0 | --bot-rate must be above 0",
            "--honest-rate 0 | --honest-rate must be above 0",
            "--phase-seconds 0 | --phase-seconds must be 1 to 600",
            "--tokens-per-bot 0 | --tokens-per-bot must be 1 to 1000",
            "--data /tmp | --data and --db go with --server",
            "--server http://127.0.0.1:1 --invite-only | needs the server's --data DIR or --db URL",
            "--server http://192.0.2.1:7878 | only targets loopback",
            "--send-tokens-per-day 0 | --send-tokens-per-day must be at least 1",
            "--server http://127.0.0.1:1 --send-tokens-per-day 5 | a running server has its own"})
    void badOptionsFailWithAMessageBeforeAnythingStarts(String args, String message) {
        BenchRun run = BenchRun.of(("spam " + args).split(" "));
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).contains(message);
    }

    @Test
    void aMalformedServerIsAUsageError() {
        BenchRun run = BenchRun.of("spam", "--server", "ftp://127.0.0.1:7878");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("Invalid value for option '--server'");
    }

    @Test
    void spamIsListedAmongTheBenchmarks() {
        BenchRun run = BenchRun.of("--help");
        assertThat(run.out()).contains("spam");
    }
}
