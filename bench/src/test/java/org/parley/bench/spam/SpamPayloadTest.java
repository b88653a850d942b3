package org.parley.bench.spam;

import org.junit.jupiter.api.Test;
import org.parley.protocol.Padding;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpamPayloadTest {

    @Test
    void aPayloadComesBackAsItWasSentAndIsPaddedToABucket() {
        SpamPayload sent = new SpamPayload(SpamPayload.Kind.HONEST, -7L, 123_456_789L, System.nanoTime());
        byte[] bytes = sent.toPaddedBytes();
        assertThat(bytes).hasSize(Padding.MIN_PADDED_BYTES);
        assertThat(SpamPayload.fromPaddedBytes(bytes)).isEqualTo(sent);
        assertThat(SpamPayload.fromPaddedBytes(new SpamPayload(SpamPayload.Kind.BOT, 1, 0, 2).toPaddedBytes()).kind())
                .isEqualTo(SpamPayload.Kind.BOT);
    }

    @Test
    void bytesThatAreNotPaddedAreRefused() {
        byte[] bytes = new SpamPayload(SpamPayload.Kind.HONEST, 1, 2, 3).toPaddedBytes();
        assertThatThrownBy(() -> SpamPayload.fromPaddedBytes(Arrays.copyOf(bytes, 100))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SpamPayload.fromPaddedBytes(new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SpamPayload.fromPaddedBytes(new byte[256])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void truncatedOversizedForeignOrUnknownKindsAreRefused() {
        byte[] valid = Padding.unpad(new SpamPayload(SpamPayload.Kind.HONEST, 1, 2, 3).toPaddedBytes());
        assertThatThrownBy(() -> SpamPayload.fromPaddedBytes(Padding.pad(Arrays.copyOf(valid, valid.length - 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes");
        assertThatThrownBy(() -> SpamPayload.fromPaddedBytes(Padding.pad(Arrays.copyOf(valid, 10_000))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes");
        byte[] foreign = valid.clone();
        foreign[0] ^= 1;
        assertThatThrownBy(() -> SpamPayload.fromPaddedBytes(Padding.pad(foreign))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a spam-wave payload");
        for (byte kind : new byte[] {2, -1, 127}) {
            byte[] unknown = valid.clone();
            unknown[4] = kind;
            assertThatThrownBy(() -> SpamPayload.fromPaddedBytes(Padding.pad(unknown))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("unknown sender kind");
        }
    }
}
