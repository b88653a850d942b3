package org.parley.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.server.ServerConfig;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.cli.MainTest.parley;

/** {@code parley server --send-tokens-per-day N}: the daily allowance of anonymous send tokens per account. */
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
}
