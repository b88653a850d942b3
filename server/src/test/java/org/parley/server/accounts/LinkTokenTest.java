package org.parley.server.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HexFormat;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.parley.server.storage.Secrets;

class LinkTokenTest {
    private static final Instant EXPIRES = Instant.parse("2026-01-01T00:10:00Z");

    @Test
    void toStringNeverShowsTheSecret() {
        byte[] secret = Secrets.random(32);
        LinkToken token = new LinkToken(ByteString.copyFrom(secret), EXPIRES);

        assertThat(token.toString())
                .doesNotContain(HexFormat.of().formatHex(secret))
                .contains("(hidden)");
    }

    @Test
    void equalityIsByValueAndTheHashCodeIgnoresTheSecret() {
        byte[] secret = Secrets.random(32);
        LinkToken token = new LinkToken(ByteString.copyFrom(secret), EXPIRES);

        assertThat(token).isEqualTo(new LinkToken(ByteString.copyFrom(secret), EXPIRES))
                .isNotEqualTo(new LinkToken(ByteString.copyFrom(Secrets.random(32)), EXPIRES))
                .isNotEqualTo(new LinkToken(ByteString.copyFrom(secret), EXPIRES.plusSeconds(1)));
        assertThat(token.hashCode()).isEqualTo(new LinkToken(ByteString.copyFrom(Secrets.random(32)), EXPIRES).hashCode());
    }
}
