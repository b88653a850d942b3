package org.parley.server.requests;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.parley.protocol.DeviceLinkCode;
import org.parley.server.testing.MutableClock;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PendingLinksTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final Set<String> closed = new HashSet<>();
    private final PendingLinks<String> links = new PendingLinks<>(Duration.ofMinutes(10), 2, clock, w -> !closed.contains(w));

    @Test
    void aCodeIsTakenOnceWhateverItsTypedForm() {
        String code = DeviceLinkCode.generate(RANDOM);
        links.add(code, "laptop", ByteString.copyFrom(new byte[32]));
        assertThat(links.take(DeviceLinkCode.canonical(code.toLowerCase())).waiter()).isEqualTo("laptop");
        assertThat(links.take(DeviceLinkCode.canonical(code))).isNull();
    }

    @Test
    void expiredCodesAndClosedConnectionsAreRefusedAndEvicted() {
        String expiring = DeviceLinkCode.generate(RANDOM);
        links.add(expiring, "laptop", ByteString.copyFrom(new byte[32]));
        clock.advance(Duration.ofMinutes(10));
        assertThat(links.take(DeviceLinkCode.canonical(expiring))).as("expired").isNull();

        String closing = DeviceLinkCode.generate(RANDOM);
        links.add(closing, "tablet", ByteString.copyFrom(new byte[32]));
        closed.add("tablet");
        assertThat(links.take(DeviceLinkCode.canonical(closing))).as("its connection closed").isNull();

        links.add(DeviceLinkCode.generate(RANDOM), "phone", ByteString.copyFrom(new byte[32]));
        links.add(DeviceLinkCode.generate(RANDOM), "watch", ByteString.copyFrom(new byte[32]));
        assertThat(links.add(DeviceLinkCode.generate(RANDOM), "tv", ByteString.copyFrom(new byte[32]))).as("at most two waiting").isNull();
        clock.advance(Duration.ofMinutes(11));
        assertThat(links.add(DeviceLinkCode.generate(RANDOM), "tv", ByteString.copyFrom(new byte[32]))).as("expired ones make room").isNotNull();
        assertThat(links.size()).isEqualTo(1);
    }
}
