package org.parley.server.calls;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JoinNoncesTest {
    private static final long WINDOW = 30_000;

    private static byte[] nonce(long n) {
        return ByteBuffer.allocate(16).putLong(n).putLong(~n).array();
    }

    @Test
    void aNonceIsFreshOnceAndReplayedWhileItCouldStillBeAccepted() {
        JoinNonces nonces = new JoinNonces(WINDOW, 100, 0);
        assertThat(nonces.firstUse(nonce(1), 0)).isEqualTo(JoinNonces.Outcome.FRESH);
        assertThat(nonces.firstUse(nonce(1), 1)).isEqualTo(JoinNonces.Outcome.REPLAYED);
        // Seen at the very end of its generation: it must still be known 2 windows later, when a
        // JOIN stamped a window ahead of its first arrival is still within the window.
        assertThat(nonces.firstUse(nonce(2), 2 * WINDOW - 1)).isEqualTo(JoinNonces.Outcome.FRESH);
        assertThat(nonces.firstUse(nonce(2), 4 * WINDOW - 2)).isEqualTo(JoinNonces.Outcome.REPLAYED);
        assertThat(nonces.firstUse(nonce(1), 2 * WINDOW + 1)).as("seen at 0, kept at least 2 windows")
                .isEqualTo(JoinNonces.Outcome.REPLAYED);
    }

    @Test
    void noncesExpireWithTheWindowSoMemoryStaysBounded() {
        JoinNonces nonces = new JoinNonces(WINDOW, 1_000, 0);
        for (int i = 0; i < 500; i++) {
            nonces.firstUse(nonce(i), i);
        }
        assertThat(nonces.size()).isEqualTo(500);
        nonces.firstUse(nonce(10_000), 2 * WINDOW);
        assertThat(nonces.size()).as("the first generation moved to the older half").isEqualTo(501);
        nonces.firstUse(nonce(10_001), 4 * WINDOW);
        assertThat(nonces.size()).as("then dropped").isEqualTo(2);
        nonces.firstUse(nonce(10_002), 100 * WINDOW);
        assertThat(nonces.size()).as("after a long quiet, everything old is gone").isEqualTo(1);
    }

    @Test
    void whenFullNewJoinsAreRefusedUntilAGenerationExpires() {
        JoinNonces nonces = new JoinNonces(WINDOW, 3, 0);
        for (int i = 0; i < 3; i++) {
            assertThat(nonces.firstUse(nonce(i), 0)).isEqualTo(JoinNonces.Outcome.FRESH);
        }
        assertThat(nonces.firstUse(nonce(3), 1)).isEqualTo(JoinNonces.Outcome.FULL);
        assertThat(nonces.firstUse(nonce(0), 1)).as("a replay is still told apart").isEqualTo(JoinNonces.Outcome.REPLAYED);
        assertThat(nonces.size()).isEqualTo(3);
        assertThat(nonces.firstUse(nonce(3), 4 * WINDOW)).isEqualTo(JoinNonces.Outcome.FRESH);
    }

    @Test
    void nonsenseBoundsAreRefused() {
        assertThatThrownBy(() -> new JoinNonces(0, 10, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new JoinNonces(WINDOW, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
