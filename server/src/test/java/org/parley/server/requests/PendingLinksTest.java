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
    private static final ByteString KEY = ByteString.copyFrom(new byte[32]);
    private final PendingLinks<String> links = new PendingLinks<>(Duration.ofMinutes(10), 2, clock, w -> !closed.contains(w));

    @Test
    void aCodeIsTakenOnceWhateverItsTypedFormAndInspectedWithoutTakingIt() {
        String code = DeviceLinkCode.generate(RANDOM);
        ByteString identityKey = ByteString.copyFrom(new byte[] {1});
        ByteString provisioningKey = ByteString.copyFrom(new byte[] {2});
        links.add(code, "laptop", identityKey, provisioningKey);
        PendingLinks.Pending<String> inspected = links.peek(DeviceLinkCode.canonical(code));
        assertThat(inspected.identityKey()).isEqualTo(identityKey);
        assertThat(inspected.provisioningKey()).isEqualTo(provisioningKey);
        assertThat(links.peek(DeviceLinkCode.canonical(code))).as("still there").isEqualTo(inspected);
        assertThat(links.take(DeviceLinkCode.canonical(code.toLowerCase())).waiter()).isEqualTo("laptop");
        assertThat(links.take(DeviceLinkCode.canonical(code))).isNull();
        assertThat(links.peek(DeviceLinkCode.canonical(code))).isNull();
    }

    @Test
    void expiredCodesAndClosedConnectionsAreRefusedAndEvicted() {
        String expiring = DeviceLinkCode.generate(RANDOM);
        links.add(expiring, "laptop", KEY, KEY);
        clock.advance(Duration.ofMinutes(10));
        assertThat(links.peek(DeviceLinkCode.canonical(expiring))).as("expired").isNull();
        assertThat(links.take(DeviceLinkCode.canonical(expiring))).as("expired").isNull();

        String closing = DeviceLinkCode.generate(RANDOM);
        links.add(closing, "tablet", KEY, KEY);
        closed.add("tablet");
        assertThat(links.peek(DeviceLinkCode.canonical(closing))).as("its connection closed").isNull();
        assertThat(links.take(DeviceLinkCode.canonical(closing))).as("its connection closed").isNull();

        links.add(DeviceLinkCode.generate(RANDOM), "phone", KEY, KEY);
        links.add(DeviceLinkCode.generate(RANDOM), "watch", KEY, KEY);
        assertThat(links.add(DeviceLinkCode.generate(RANDOM), "tv", KEY, KEY)).as("at most two waiting").isNull();
        clock.advance(Duration.ofMinutes(11));
        assertThat(links.add(DeviceLinkCode.generate(RANDOM), "tv", KEY, KEY)).as("expired ones make room").isNotNull();
        assertThat(links.size()).isEqualTo(1);
    }
}
