package org.parley.client.account;

import org.junit.jupiter.api.Test;
import org.parley.client.net.ServerAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LinkCodeTest {
    private static final LinkCode CODE = new LinkCode("00ff".repeat(16), "alice", new ServerAddress("127.0.0.1", 7878, false));

    @Test
    void roundTripsThroughTypingMistakesPeopleMakeHarmlessly() {
        String typed = CODE.encode();
        assertThat(typed).matches("[0-9A-Z]{1,5}(-[0-9A-Z]{1,5})*");
        assertThat(LinkCode.decode(typed)).isEqualTo(CODE);
        assertThat(LinkCode.decode(typed.toLowerCase().replace("-", " "))).isEqualTo(CODE);
        assertThat(LinkCode.decode(typed.replace('0', 'O').replace('1', 'l'))).isEqualTo(CODE);
    }

    @Test
    void aTypoIsABadCode() {
        String typed = CODE.encode();
        char changed = typed.charAt(10) == 'A' ? 'B' : 'A';
        String typo = typed.substring(0, 10) + changed + typed.substring(11);
        assertThatThrownBy(() -> LinkCode.decode(typo)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a valid link code");
        assertThatThrownBy(() -> LinkCode.decode(typed.substring(0, typed.length() - 3))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LinkCode.decode(typed + "X")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LinkCode.decode("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LinkCode.decode("U!@#")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LinkCode.decode("A".repeat(10_000))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void neverShowsTheToken() {
        assertThat(CODE.toString()).doesNotContain("00ff");
    }
}
