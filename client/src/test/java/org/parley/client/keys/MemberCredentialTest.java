package org.parley.client.keys;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.credentials.BasicCredential;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemberCredentialTest {
    @Test
    void roundTripsToAnEqualValue() {
        MemberCredential member = new MemberCredential("alice", filled(16, 0), filled(16, 7));
        MemberCredential back = MemberCredential.from(member.toCredential());
        assertThat(back).isEqualTo(member).hasSameHashCodeAs(member);
        assertThat(back.device()).isEqualTo(filled(16, 7));
    }

    @Test
    void rejectsTruncatedOversizedAndTrailingInput() {
        byte[] good = new MemberCredential("alice", filled(16, 0), filled(16, 0)).toCredential().identity().toByteArray();
        assertThatThrownBy(() -> MemberCredential.from(new BasicCredential(Arrays.copyOf(good, good.length - 1))))
                .isInstanceOf(MlsProtocolException.class);
        assertThatThrownBy(() -> MemberCredential.from(new BasicCredential(Arrays.copyOf(good, good.length + 1))))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("unexpected bytes");
        assertThatThrownBy(() -> MemberCredential.from(new MemberCredential("x".repeat(40), filled(16, 0), filled(16, 0)).toCredential()))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("username");
        assertThatThrownBy(() -> MemberCredential.from(new BasicCredential(new byte[] {(byte) 0x7f})))
                .isInstanceOf(MlsProtocolException.class);
    }

    private static Bytes filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return Bytes.copyOf(bytes);
    }
}
