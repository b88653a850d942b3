package org.parley.protocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MailboxSealTest {
    private static final byte[] PAYLOAD = "one group message".getBytes(StandardCharsets.UTF_8);

    @Test
    void onlyTheDeviceOpensItsCopyAndNoTwoCopiesShareBytes() {
        byte[][] device = MailboxSeal.generateKeyPair();
        byte[][] other = MailboxSeal.generateKeyPair();
        byte[] first = MailboxSeal.seal(device[1], PAYLOAD);
        byte[] second = MailboxSeal.seal(device[1], PAYLOAD);
        byte[] forOther = MailboxSeal.seal(other[1], PAYLOAD);
        assertThat(first).hasSize(PAYLOAD.length + MailboxSeal.OVERHEAD);
        assertThat(first).isNotEqualTo(second);
        assertThat(MailboxSeal.open(device[0], device[1], first)).isEqualTo(PAYLOAD);
        assertThat(MailboxSeal.open(device[0], device[1], second)).isEqualTo(PAYLOAD);
        assertThat(MailboxSeal.open(other[0], other[1], forOther)).isEqualTo(PAYLOAD);
        assertThatThrownBy(() -> MailboxSeal.open(other[0], other[1], first)).isInstanceOf(IllegalArgumentException.class);
        // No 8-byte run of one copy appears in another: a dump cannot match copies of one message.
        for (int i = 0; i + 8 <= first.length; i++) {
            byte[] run = Arrays.copyOfRange(first, i, i + 8);
            assertThat(indexOf(second, run)).isNegative();
            assertThat(indexOf(forOther, run)).isNegative();
        }
    }

    @Test
    void damagedTruncatedAndForeignInputIsRefused() {
        byte[][] device = MailboxSeal.generateKeyPair();
        byte[] sealed = MailboxSeal.seal(device[1], PAYLOAD);
        sealed[sealed.length - 1] ^= 1;
        assertThatThrownBy(() -> MailboxSeal.open(device[0], device[1], sealed)).hasMessageContaining("does not open");
        assertThatThrownBy(() -> MailboxSeal.open(device[0], device[1], new byte[MailboxSeal.OVERHEAD - 1]))
                .hasMessageContaining("at least");
        assertThatThrownBy(() -> MailboxSeal.seal(new byte[32], PAYLOAD)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MailboxSeal.seal(new byte[31], PAYLOAD)).isInstanceOf(IllegalArgumentException.class);
        assertThat(MailboxSeal.isValidPublicKey(device[1])).isTrue();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        // ISO-8859-1 maps each byte to one char, so this is an exact byte search.
        return new String(haystack, java.nio.charset.StandardCharsets.ISO_8859_1)
                .indexOf(new String(needle, java.nio.charset.StandardCharsets.ISO_8859_1));
    }
}
