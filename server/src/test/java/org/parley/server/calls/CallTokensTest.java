package org.parley.server.calls;

import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CallTokensTest {
    private static final byte[] SECRET = new byte[32];
    private static final Instant NOW = Instant.parse("2026-11-28T04:00:00Z");
    private static final CallId CALL = new CallId(1, 2);

    private static CallTokens at(Instant now) {
        return new CallTokens(SECRET, Clock.fixed(now, ZoneOffset.UTC), Duration.ofMinutes(10));
    }

    @Test
    void issuedTokenGrantsItsCallAndParticipant() throws Exception {
        byte[] token = at(NOW).issue(CALL, 0xfffffff0L);
        assertThat(token).hasSize(CallTokens.TOKEN_BYTES);
        CallGrant grant = at(NOW.plusSeconds(599)).verify(token);
        assertThat(grant).isEqualTo(new CallGrant(CALL, 0xfffffff0L, NOW.plusSeconds(600)));
    }

    @Test
    void everyAlteredByteIsRejected() {
        byte[] token = at(NOW).issue(CALL, 7);
        for (int i = 1; i < token.length; i++) {
            byte[] altered = token.clone();
            altered[i] ^= 1;
            assertThatThrownBy(() -> at(NOW).verify(altered)).isInstanceOf(InvalidCallTokenException.class)
                    .extracting(e -> ((InvalidCallTokenException) e).reason())
                    .isEqualTo(InvalidCallTokenException.Reason.BAD_MAC);
        }
    }

    @Test
    void expiredMalformedAndForeignTokensAreRejected() {
        byte[] token = at(NOW).issue(CALL, 7);
        assertThatThrownBy(() -> at(NOW.plusSeconds(600)).verify(token)).isInstanceOf(InvalidCallTokenException.class)
                .hasMessageContaining("expired");
        assertThatThrownBy(() -> at(NOW).verify(new byte[60])).isInstanceOf(InvalidCallTokenException.class)
                .hasMessageContaining("60 bytes");
        byte[] version = token.clone();
        version[0] = 9;
        assertThatThrownBy(() -> at(NOW).verify(version)).isInstanceOf(InvalidCallTokenException.class)
                .hasMessageContaining("version 9");
        CallTokens other = CallTokens.withRandomSecret(new SecureRandom(), Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(1));
        assertThatThrownBy(() -> other.verify(token)).isInstanceOf(InvalidCallTokenException.class)
                .hasMessageContaining("MAC");
    }

    @Test
    void secretNeverPrintedAndShortSecretsRefused() {
        assertThat(at(NOW).toString()).contains("<hidden>");
        assertThatThrownBy(() -> new CallTokens(new byte[16], Clock.systemUTC(), Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
