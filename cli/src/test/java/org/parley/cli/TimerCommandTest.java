package org.parley.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The DURATION of {@code parley timer}; setting it between the CLI and the web app is tested by web/test/conversations/disappearing.test.ts. */
class TimerCommandTest {
    @Test
    void readsOffAndCountsWithUnits() {
        assertThat(TimerCommand.seconds("off")).isZero();
        assertThat(TimerCommand.seconds("OFF")).isZero();
        assertThat(TimerCommand.seconds("0")).isZero();
        assertThat(TimerCommand.seconds("30s")).isEqualTo(30);
        assertThat(TimerCommand.seconds("5m")).isEqualTo(300);
        assertThat(TimerCommand.seconds("1h")).isEqualTo(3_600);
        assertThat(TimerCommand.seconds(" 1d ")).isEqualTo(86_400);
        assertThat(TimerCommand.seconds("1w")).isEqualTo(604_800);
        assertThat(TimerCommand.seconds("365d")).isEqualTo(TimerCommand.MAX_SECONDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "m", "5x", "-5m", "5 m", "1.5h", "0s", "366d", "53w", "999999999w", "5m5s", "１h", "on"})
    void refusesAnythingElseWithAMessage(String duration) {
        assertThatThrownBy(() -> TimerCommand.seconds(duration)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timer is");
    }

    @Test
    void refusesAHugeTypedValueWithoutOverflow() {
        assertThatThrownBy(() -> TimerCommand.seconds("9".repeat(5000) + "s")).isInstanceOf(IllegalArgumentException.class);
    }
}
