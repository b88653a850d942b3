package org.parley.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.server.ServerConfig;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.cli.MainTest.parley;

/**
 * {@code parley server --send-tokens-per-day N}: the daily allowance of anonymous send tokens per
 * account; {@code --unsealed-inbound-per-minute N}: the limit on unsealed sends into one account.
 */
class ServerSendTokensOptionTest {
    @TempDir
    Path data;

    private static ServerConfig configOf(String... args) {
        ServerCommand command = new ServerCommand();
        new CommandLine(command).parseArgs(args);
        return command.serverConfig();
    }

    @Test
    void theOptionSetsTheDailyAllowanceAndDefaultsTo2000() {
        assertThat(configOf().sealed().sendTokensPerDay()).isEqualTo(2000);
        assertThat(configOf("--send-tokens-per-day", "500").sealed().sendTokensPerDay()).isEqualTo(500);
    }

    @Test
    void anAllowanceBelowOneIsAUserErrorBeforeCreatingData() {
        Path folder = data.resolve("d");
        MainTest.Result result = parley("server", "--send-tokens-per-day", "0", "--data", folder.toString());
        assertThat(result.code()).isEqualTo(1);
        assertThat(result.err()).contains("--send-tokens-per-day must be at least 1");
        assertThat(Files.exists(folder)).isFalse();
        assertThat(parley("server", "--send-tokens-per-day", "many", "--data", folder.toString()).code()).isNotZero();
    }

    @Test
    void helpListsTheOption() {
        assertThat(parley("server", "--help").out()).contains("--send-tokens-per-day");
    }

    @Test
    void theInboundLimitOnUnsealedSendsDefaultsTo60AMinuteInBurstsOfTwiceThat() {
        assertThat(configOf().sealed().inboundPerMinute()).isEqualTo(60);
        assertThat(configOf().sealed().inboundBurst()).isEqualTo(120);
        ServerConfig raised = configOf("--unsealed-inbound-per-minute", "300");
        assertThat(raised.sealed().inboundPerMinute()).isEqualTo(300);
        assertThat(raised.sealed().inboundBurst()).isEqualTo(600);
        Path folder = data.resolve("e");
        for (String bad : new String[] {"0", "-5", "1000001"}) {
            MainTest.Result result = parley("server", "--unsealed-inbound-per-minute", bad, "--data", folder.toString());
            assertThat(result.code()).as(bad).isEqualTo(1);
            assertThat(result.err()).contains("--unsealed-inbound-per-minute must be from 1 to 1000000");
        }
        assertThat(Files.exists(folder)).isFalse();
        assertThat(parley("server", "--help").out()).contains("--unsealed-inbound-per-minute");
    }
}
