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
                .hasMessageContaining("does not verify");
    }

    @Test
    void aTokenIsSealedSoItShowsNeitherCallNorParticipantAndTwoOfOneGrantDiffer() {
        CallId call = new CallId(0x1122334455667788L, 0x99aabbccddeeff00L);
        byte[] first = at(NOW).issue(call, 0xdeadbeefL);
        byte[] second = at(NOW).issue(call, 0xdeadbeefL);
        assertThat(first).isNotEqualTo(second);
        for (byte[] token : new byte[][] {first, second}) {
            assertThat(contains(token, call.toBytes())).as("the call id in clear").isFalse();
            assertThat(contains(token, java.util.Arrays.copyOf(call.toBytes(), 4))).as("even a part of it").isFalse();
            assertThat(contains(token, new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef})).isFalse();
        }
    }

    @Test
    void joinKeysAreTheServersOwnPerTokenAndParticipantIdsPerDeviceAndCall() {
        CallTokens tokens = at(NOW);
        CallTokens.Issued issued = tokens.issueFor(CALL, 7);
        assertThat(issued.joinKey()).hasSize(CallTokens.JOIN_KEY_BYTES).isEqualTo(tokens.joinKey(issued.token()));
        assertThat(issued.expiresAt()).isEqualTo(NOW.plusSeconds(600));
        assertThat(tokens.joinKey(tokens.issue(CALL, 7))).as("another token, another key").isNotEqualTo(issued.joinKey());
        CallTokens otherServer = CallTokens.withRandomSecret(new SecureRandom(), Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(1));
        assertThat(otherServer.joinKey(issued.token())).isNotEqualTo(issued.joinKey());
        assertThat(issued.toString()).doesNotContain(java.util.HexFormat.of().formatHex(issued.joinKey()))
                .contains("hidden");

        byte[] device = {1, 2, 3};
        long id = tokens.participantId(CALL, device);
        assertThat(at(NOW.plusSeconds(5)).participantId(CALL, device)).as("stable, and the same on every node").isEqualTo(id);
        assertThat(tokens.participantId(new CallId(1, 3), device)).as("unlinkable across calls").isNotEqualTo(id);
        assertThat(tokens.participantId(CALL, new byte[] {1, 2, 4})).isNotEqualTo(id);
        assertThat(otherServer.participantId(CALL, device)).isNotEqualTo(id);
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        // ISO-8859-1 maps each byte to one char, so this is an exact byte search.
        return new String(haystack, java.nio.charset.StandardCharsets.ISO_8859_1)
                .indexOf(new String(needle, java.nio.charset.StandardCharsets.ISO_8859_1)) >= 0;
    }

    @Test
    void secretNeverPrintedAndShortSecretsRefused() {
        assertThat(at(NOW).toString()).contains("<hidden>");
        assertThatThrownBy(() -> new CallTokens(new byte[16], Clock.systemUTC(), Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
