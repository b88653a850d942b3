package org.parley.protocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommitAuthorityTest {
    private static final byte[] GROUP = {1, 2, 3};
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
                + "03" + "010203" + "0102030405060708"
                + HexFormat.of().formatHex(sha.digest(commit))
                + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" // SHA-256 of nothing
                + HexFormat.of().formatHex(KEY);
        assertThat(HexFormat.of().formatHex(content)).isEqualTo(expected);
    }

    @Test
    void everyInputChangesTheContent() {
        byte[] base = CommitAuthority.signedContent(GROUP, 5, new byte[] {1}, new byte[0], KEY);
        assertThat(CommitAuthority.signedContent(new byte[] {1, 2, 4}, 5, new byte[] {1}, new byte[0], KEY)).isNotEqualTo(base);
        assertThat(CommitAuthority.signedContent(GROUP, 6, new byte[] {1}, new byte[0], KEY)).isNotEqualTo(base);
        assertThat(CommitAuthority.signedContent(GROUP, 5, new byte[] {2}, new byte[0], KEY)).isNotEqualTo(base);
        assertThat(CommitAuthority.signedContent(GROUP, 5, new byte[] {1}, new byte[] {0}, KEY)).isNotEqualTo(base);
        assertThat(CommitAuthority.signedContent(GROUP, 5, new byte[] {1}, new byte[0], filled(32, 8))).isNotEqualTo(base);
        // The length prefix keeps a longer group id from absorbing the epoch's first byte.
        assertThat(CommitAuthority.signedContent(new byte[] {1, 2, 3, 0}, 5, new byte[] {1}, new byte[0], KEY)).isNotEqualTo(base);
    }

    @Test
    void badLengthsAndEpochsAreRejected() {
        assertThatThrownBy(() -> CommitAuthority.signedContent(new byte[0], 0, new byte[0], new byte[0], KEY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group id");
        assertThatThrownBy(() -> CommitAuthority.signedContent(new byte[256], 0, new byte[0], new byte[0], KEY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group id");
        assertThat(CommitAuthority.signedContent(new byte[255], 0, new byte[0], new byte[0], KEY)).hasSize(16 + 1 + 255 + 8 + 96);
        assertThatThrownBy(() -> CommitAuthority.signedContent(GROUP, -1, new byte[0], new byte[0], KEY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("epoch");
        assertThatThrownBy(() -> CommitAuthority.signedContent(GROUP, 0, new byte[0], new byte[0], new byte[31]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes, got 31");
        assertThatThrownBy(() -> CommitAuthority.signedContent(GROUP, 0, new byte[0], new byte[0], new byte[33]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes, got 33");
    }
}
