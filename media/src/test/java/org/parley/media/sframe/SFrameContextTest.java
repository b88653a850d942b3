package org.parley.media.sframe;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SFrameContextTest {
    private static final byte[] BASE_KEY = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f");
    private static final byte[] META = "frame-meta".getBytes(StandardCharsets.UTF_8);

    private static SFrameContext[] pair(SFrameCipherSuite suite, long kid) {
        SFrameContext sender = new SFrameContext(suite);
        sender.addSendKey(kid, BASE_KEY);
        SFrameContext receiver = new SFrameContext(suite);
        receiver.addReceiveKey(kid, BASE_KEY);
        return new SFrameContext[] {sender, receiver};
    }

    @ParameterizedTest
    @EnumSource(SFrameCipherSuite.class)
    void roundTripsAndCountsUp(SFrameCipherSuite suite) throws Exception {
        SFrameContext[] p = pair(suite, 300);
        byte[] first = p[0].encrypt(300, META, "hello".getBytes(StandardCharsets.UTF_8));
        byte[] second = p[0].encrypt(300, META, "hello".getBytes(StandardCharsets.UTF_8));
        assertThat(first).isNotEqualTo(second);
        assertThat(SFrameHeader.decode(second, 0, second.length).ctr()).isEqualTo(1);
        assertThat(new String(p[1].decrypt(META, second), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(first.length).isEqualTo(SFrameHeader.of(300, 0).length() + 5 + suite.tagLength());
    }

    @ParameterizedTest
    @EnumSource(SFrameCipherSuite.class)
    void everyTamperedByteIsRejected(SFrameCipherSuite suite) throws Exception {
        SFrameContext[] p = pair(suite, 5);
        byte[] frame = p[0].encrypt(5, META, new byte[20]);
        for (int i = 0; i < frame.length; i++) {
            byte[] tampered = frame.clone();
            tampered[i] ^= 0x01;
            assertThatThrownBy(() -> p[1].decrypt(META, tampered)).isInstanceOf(SFrameException.class);
        }
        assertThatThrownBy(() -> p[1].decrypt("other".getBytes(StandardCharsets.UTF_8), frame))
                .isInstanceOf(SFrameException.class).hasMessageContaining("authentication failed");
    }

    @Test
    void truncatedAndEmptyFramesAreRejectedClearly() throws Exception {
        SFrameContext[] p = pair(SFrameCipherSuite.AES_128_GCM_SHA256_128, 1000);
        byte[] frame = p[0].encrypt(1000, META, new byte[8]);
        assertThatThrownBy(() -> p[1].decrypt(META, new byte[0]))
                .isInstanceOf(SFrameException.class).hasMessageContaining("empty");
        // Config byte announces a 2-byte KID but the frame ends after one.
        assertThatThrownBy(() -> p[1].decrypt(META, Arrays.copyOf(frame, 2)))
                .isInstanceOf(SFrameException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> p[1].decrypt(META, Arrays.copyOf(frame, 10)))
                .isInstanceOf(SFrameException.class).hasMessageContaining("shorter than its 16-byte tag");
    }

    @Test
    void unknownKidIsReportedSoTheFrameCanBeBuffered() {
        SFrameContext[] p = pair(SFrameCipherSuite.AES_128_CTR_HMAC_SHA256_80, 1);
        SFrameContext other = new SFrameContext(SFrameCipherSuite.AES_128_CTR_HMAC_SHA256_80);
        other.addSendKey(2, BASE_KEY);
        byte[] frame = other.encrypt(2, META, new byte[4]);
        assertThatThrownBy(() -> p[1].decrypt(META, frame))
                .isInstanceOfSatisfying(UnknownKeyIdException.class, e -> assertThat(e.kid()).isEqualTo(2));
    }

    @Test
    void aKeyIsForSendingOrReceivingNeverBoth() {
        SFrameContext ctx = new SFrameContext(SFrameCipherSuite.AES_128_GCM_SHA256_128);
        ctx.addReceiveKey(9, BASE_KEY);
        assertThatThrownBy(() -> ctx.addSendKey(9, BASE_KEY)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ctx.encrypt(9, META, new byte[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a sending key");
    }

    @Test
    void keysNeverAppearInText() {
        SFrameKey key = SFrameKey.derive(SFrameCipherSuite.AES_128_GCM_SHA256_128, 7, BASE_KEY);
        assertThat(key.toString()).doesNotContain(HexFormat.of().formatHex(key.key())).contains("hidden");
    }

    @Test
    void headerRejectsGarbageWithoutReadingPastTheEnd() {
        for (int config = 0; config < 256; config++) {
            byte[] one = {(byte) config};
            boolean needsMore = (config & 0x88) != 0;
            if (needsMore) {
                assertThatThrownBy(() -> SFrameHeader.decode(one, 0, 1)).isInstanceOf(SFrameException.class);
            }
        }
    }
}
