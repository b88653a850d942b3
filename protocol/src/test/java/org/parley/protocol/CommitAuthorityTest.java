package org.parley.protocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommitAuthorityTest {
    private static final byte[] GROUP = filled(16, 3);
    private static final byte[] KEY = filled(32, 7);

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    @Test
    void theContentIsLaidOutAsSpecified() throws Exception {
        byte[] commit = "commit".getBytes(StandardCharsets.US_ASCII);
        byte[] content = CommitAuthority.signedContent(GROUP, 0x0102030405060708L, commit, new byte[0], KEY);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        String expected = HexFormat.of().formatHex("parley-v1-commit".getBytes(StandardCharsets.US_ASCII))
                + "10" + "03".repeat(16) + "0102030405060708"
                + HexFormat.of().formatHex(sha.digest(commit))
                + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" // SHA-256 of nothing
                + HexFormat.of().formatHex(KEY);
        assertThat(HexFormat.of().formatHex(content)).isEqualTo(expected);
    }

    @Test
    void everyInputChangesTheContent() {
        byte[] base = CommitAuthority.signedContent(GROUP, 5, new byte[] {1}, new byte[0], KEY);
        assertThat(CommitAuthority.signedContent(filled(16, 4), 5, new byte[] {1}, new byte[0], KEY)).isNotEqualTo(base);
        assertThat(CommitAuthority.signedContent(GROUP, 6, new byte[] {1}, new byte[0], KEY)).isNotEqualTo(base);
        assertThat(CommitAuthority.signedContent(GROUP, 5, new byte[] {2}, new byte[0], KEY)).isNotEqualTo(base);
        assertThat(CommitAuthority.signedContent(GROUP, 5, new byte[] {1}, new byte[] {0}, KEY)).isNotEqualTo(base);
        assertThat(CommitAuthority.signedContent(GROUP, 5, new byte[] {1}, new byte[0], filled(32, 8))).isNotEqualTo(base);
        // The length prefix keeps a longer routing id from absorbing the epoch's first byte.
        assertThat(CommitAuthority.signedContent(Arrays.copyOf(GROUP, 17), 5, new byte[] {1}, new byte[0], KEY)).isNotEqualTo(base);
    }

    @Test
    void badLengthsAndEpochsAreRejected() {
        assertThatThrownBy(() -> CommitAuthority.signedContent(new byte[15], 0, new byte[0], new byte[0], KEY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("routing id is 16 to 64 bytes, got 15");
        assertThatThrownBy(() -> CommitAuthority.signedContent(new byte[65], 0, new byte[0], new byte[0], KEY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("routing id");
        assertThat(CommitAuthority.signedContent(new byte[64], 0, new byte[0], new byte[0], KEY)).hasSize(16 + 1 + 64 + 8 + 96);
        assertThatThrownBy(() -> CommitAuthority.signedContent(GROUP, -1, new byte[0], new byte[0], KEY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("epoch");
        assertThatThrownBy(() -> CommitAuthority.signedContent(GROUP, 0, new byte[0], new byte[0], new byte[31]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes, got 31");
        assertThatThrownBy(() -> CommitAuthority.signedContent(GROUP, 0, new byte[0], new byte[0], new byte[33]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes, got 33");
    }

    @Test
    void theRoutingIdIsHkdfOfTheGroupIdAndHidesIt() throws Exception {
        byte[] groupId = filled(32, 9);
        // RFC 5869: PRK = HMAC(salt, IKM); OKM = T(1) = HMAC(PRK, "" || 0x01).
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec("parley-v1-routing-id".getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
        byte[] prk = mac.doFinal(groupId);
        mac.init(new javax.crypto.spec.SecretKeySpec(prk, "HmacSHA256"));
        assertThat(CommitAuthority.routingId(groupId)).isEqualTo(mac.doFinal(new byte[] {1})).hasSize(CommitAuthority.ROUTING_ID_BYTES);
        assertThat(CommitAuthority.routingId(filled(32, 10))).isNotEqualTo(CommitAuthority.routingId(groupId));
    }
}
