package org.parley.protocol;

import org.junit.jupiter.api.Test;

import java.security.SecureRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeviceLinkCodeTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void generatedCodesReadBackHoweverTheyAreTyped() {
        String code = DeviceLinkCode.generate(RANDOM);
        assertThat(code).matches("[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}");
        String canonical = code.replace("-", "");
        assertThat(DeviceLinkCode.canonical(code)).isEqualTo(canonical);
        assertThat(DeviceLinkCode.canonical(code.toLowerCase().replace("-", " "))).isEqualTo(canonical);
        assertThat(DeviceLinkCode.canonical(code.replace('0', 'O').replace('1', 'l'))).isEqualTo(canonical);
        assertThat(DeviceLinkCode.generate(RANDOM)).isNotEqualTo(code);
    }

    @Test
    void typosAndHostileInputAreRejected() {
        String code = DeviceLinkCode.generate(RANDOM).replace("-", "");
        char first = code.charAt(0);
        String typo = (first == 'A' ? 'B' : 'A') + code.substring(1);
        assertThatThrownBy(() -> DeviceLinkCode.canonical(typo)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("check");
        assertThatThrownBy(() -> DeviceLinkCode.canonical(code.substring(1))).hasMessageContaining("12 characters, this one 11");
        assertThatThrownBy(() -> DeviceLinkCode.canonical(code + "0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeviceLinkCode.canonical("U" + code.substring(1))).hasMessageContaining("no 'U'");
        assertThatThrownBy(() -> DeviceLinkCode.canonical("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeviceLinkCode.canonical(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeviceLinkCode.canonical("A".repeat(10_000))).isInstanceOf(IllegalArgumentException.class);
    }
}
