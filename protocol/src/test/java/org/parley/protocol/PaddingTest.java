package org.parley.protocol;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PaddingTest {
    @Test
    void padmeMatchesThePapersBuckets() {
        // PURBs paper, section 4: at most floor(log2 E) + 1 significant bits.
        assertThat(Padding.padme(9)).isEqualTo(10);
        assertThat(Padding.padme(1000)).isEqualTo(1024);
        assertThat(Padding.padme(1025)).isEqualTo(1088);
        assertThat(Padding.padme(100_000)).isEqualTo(100_352);
        for (long length = 2; length < 300_000; length++) {
            long padded = Padding.padme(length);
            assertThat(padded).isGreaterThanOrEqualTo(length);
            assertThat((double) (padded - length) / length).isLessThanOrEqualTo(0.12);
            assertThat(Padding.padme(padded)).isEqualTo(padded);
        }
    }

    @Test
    void paddedPayloadsFallIntoFewSizesAndRoundTrip() {
        Set<Integer> sizes = new HashSet<>();
        for (int length = 0; length <= 4096; length++) {
            byte[] content = new byte[length];
            Arrays.fill(content, (byte) 0);
            byte[] padded = Padding.pad(content);
            sizes.add(padded.length);
            assertThat(padded.length).isGreaterThanOrEqualTo(Padding.MIN_PADDED_BYTES);
            assertThat(Padding.unpad(padded)).isEqualTo(content);
        }
        // 16 sizes per doubling from 256 to 4095 bytes (4 significant bits), then 4096 and 4352.
        assertThat(sizes).hasSizeLessThanOrEqualTo(4 * 16 + 2);
    }

    @Test
    void malformedPaddingIsRefused() {
        assertThatThrownBy(() -> Padding.unpad(new byte[0])).hasMessageContaining("no 0x80 marker");
        assertThatThrownBy(() -> Padding.unpad(new byte[300])).hasMessageContaining("no 0x80 marker");
        byte[] unpadded = new byte[300];
        unpadded[10] = (byte) 0x80;
        assertThatThrownBy(() -> Padding.unpad(unpadded)).hasMessageContaining("not the bucket");
        byte[] truncated = Arrays.copyOf(Padding.pad(new byte[1000]), 1000);
        assertThatThrownBy(() -> Padding.unpad(truncated)).isInstanceOf(IllegalArgumentException.class);
    }
}
