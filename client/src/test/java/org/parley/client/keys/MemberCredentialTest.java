package org.parley.client.keys;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;
import org.parley.client.account.AccountKey;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.credentials.BasicCredential;
import org.parley.mls.crypto.SignaturePublicKey;

import java.security.SecureRandom;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemberCredentialTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void roundTripsToAnEqualValue() {
        MemberCredential member = new MemberCredential("alice", filled(16, 0), filled(16, 7), filled(32, 9), filled(64, 5));
        MemberCredential back = MemberCredential.from(member.toCredential());
        assertThat(back).isEqualTo(member).hasSameHashCodeAs(member);
        assertThat(back.device()).isEqualTo(filled(16, 7));
        assertThat(back.accountKey()).isEqualTo(filled(32, 9));
        assertThat(back.certificate()).isEqualTo(filled(64, 5));
        assertThat(member.toCredential().identity().length()).isEqualTo(1 + 5 + 16 + 16 + 32 + 64);
    }

    @Test
    void rejectsTruncatedOversizedAndTrailingInput() {
        byte[] good = new MemberCredential("alice", filled(16, 0), filled(16, 0), filled(32, 0), filled(64, 0))
                .toCredential().identity().toByteArray();
        for (int cut = 0; cut < good.length; cut++) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertThatThrownBy(() -> MemberCredential.from(new BasicCredential(truncated))).as("cut at %d", cut)
                    .isInstanceOf(MlsProtocolException.class);
        }
        assertThatThrownBy(() -> MemberCredential.from(new BasicCredential(Arrays.copyOf(good, good.length + 1))))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("unexpected bytes");
        // The layout before account keys (no key, no certificate) no longer parses.
        assertThatThrownBy(() -> MemberCredential.from(new BasicCredential(Arrays.copyOf(good, 1 + 5 + 32))))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("older Parley");
        assertThatThrownBy(() -> MemberCredential.from(new MemberCredential("x".repeat(40), filled(16, 0), filled(16, 0),
                filled(32, 0), filled(64, 0)).toCredential()))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("username");
        assertThatThrownBy(() -> MemberCredential.from(new BasicCredential(new byte[] {(byte) 0x7f})))
                .isInstanceOf(MlsProtocolException.class);
        byte[] emptyName = good.clone();
        emptyName[0] = 0;
        assertThatThrownBy(() -> MemberCredential.from(new BasicCredential(emptyName))).isInstanceOf(MlsProtocolException.class);
    }

    @Test
    void refusesFieldsOfTheWrongLength() {
        assertThatThrownBy(() -> new MemberCredential("alice", filled(15, 0), filled(16, 0), filled(32, 0), filled(64, 0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MemberCredential("alice", filled(16, 0), filled(16, 0), filled(31, 0), filled(64, 0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MemberCredential("alice", filled(16, 0), filled(16, 0), filled(32, 0), filled(65, 0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void certifiesOnlyTheLeafKeyItsAccountKeySignedForItsAccount() {
        Ed25519PrivateKeyParameters account = new Ed25519PrivateKeyParameters(RANDOM);
        Ed25519PrivateKeyParameters device = new Ed25519PrivateKeyParameters(RANDOM);
        Bytes accountId = filled(16, 1);
        SignaturePublicKey deviceKey = new SignaturePublicKey(device.generatePublicKey().getEncoded());
        Bytes certificate = Bytes.copyOf(AccountKey.certify(account, accountId.toByteArray(), deviceKey.bytes()));
        Bytes accountKey = Bytes.copyOf(account.generatePublicKey().getEncoded());
        MemberCredential member = new MemberCredential("carol", accountId, filled(16, 2), accountKey, certificate);
        assertThat(member.certifies(deviceKey)).isTrue();
        assertThat(MemberCredential.from(member.toCredential()).certifies(deviceKey)).isTrue();

        SignaturePublicKey otherDevice = new SignaturePublicKey(new Ed25519PrivateKeyParameters(RANDOM).generatePublicKey().getEncoded());
        assertThat(member.certifies(otherDevice)).as("another leaf key").isFalse();
        Bytes otherKey = Bytes.copyOf(new Ed25519PrivateKeyParameters(RANDOM).generatePublicKey().getEncoded());
        assertThat(new MemberCredential("carol", accountId, filled(16, 2), otherKey, certificate).certifies(deviceKey))
                .as("a fresh account key with a copied certificate").isFalse();
        assertThat(new MemberCredential("carol", filled(16, 3), filled(16, 2), accountKey, certificate).certifies(deviceKey))
                .as("the certificate moved to another account id").isFalse();
        byte[] flipped = certificate.toByteArray();
        flipped[10] ^= 1;
        assertThat(new MemberCredential("carol", accountId, filled(16, 2), accountKey, Bytes.copyOf(flipped)).certifies(deviceKey))
                .as("a forged certificate").isFalse();
        assertThat(new MemberCredential("carol", accountId, filled(16, 2), accountKey, filled(64, 0)).certifies(deviceKey))
                .as("no certificate").isFalse();
        assertThat(new MemberCredential("carol", accountId, filled(16, 9), accountKey, certificate).certifies(deviceKey))
                .as("the device id is routing only: the certificate covers the key").isTrue();
    }

    private static Bytes filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return Bytes.copyOf(bytes);
    }
}
