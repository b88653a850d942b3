package org.parley.mls.messages;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkeCiphertext;
import org.parley.mls.crypto.Secret;
import org.parley.mls.crypto.SignatureKeyPair;
import org.parley.mls.extensions.ExternalPub;
import org.parley.mls.schedule.GroupContext;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GroupInfoTest {
    private static final CipherSuite SUITE = CipherSuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256;

    @Test
    void signedGroupInfoRoundTripsAndVerifies() {
        SignatureKeyPair signer = SUITE.generateSignatureKeyPair(new SecureRandom());
        GroupContext context = new GroupContext(SUITE, "g".getBytes(), 7, new byte[32], new byte[32], List.of());
        GroupInfo info = new GroupInfo(context, List.of(new ExternalPub(Bytes.fromHex("0405")).toExtension()),
                Bytes.copyOf(new byte[32]), 3, Bytes.EMPTY).sign(signer.privateKey());
        GroupInfo decoded = TlsReader.decodeExactly(info.toBytes(), GroupInfo::decode, "GroupInfo");
        assertThat(decoded.toBytes()).isEqualTo(info.toBytes());
        assertThat(decoded.verifySignature(signer.publicKey())).isTrue();
        assertThat(ExternalPub.from(decoded.extensions().get(0)).externalPub()).isEqualTo(Bytes.fromHex("0405"));

        GroupInfo otherSigner = new GroupInfo(context, decoded.extensions(), decoded.confirmationTag(), 4, decoded.signature());
        assertThat(otherSigner.verifySignature(signer.publicKey())).isFalse();

        byte[] encoded = info.toBytes();
        assertThatThrownBy(() -> TlsReader.decodeExactly(Arrays.copyOf(encoded, encoded.length - 1), GroupInfo::decode, "GroupInfo"))
                .isInstanceOf(DecodeException.class);
    }

    @Test
    void welcomeAndGroupSecretsRejectTruncationAndTrailingBytes() {
        Bytes joiner = Bytes.fromHex("1111111111111111111111111111111111111111111111111111111111111111");
        Bytes path = Bytes.fromHex("2222222222222222222222222222222222222222222222222222222222222222");
        GroupSecrets secrets = new GroupSecrets(Secret.copyOf(joiner.toByteArray()), Secret.copyOf(path.toByteArray()),
                List.of(PreSharedKeyID.resumption(PreSharedKeyID.USAGE_BRANCH, Bytes.fromHex("01"), 9, Bytes.copyOf(new byte[32]))));
        byte[] encoded = secrets.toBytes();
        assertThat(TlsReader.decodeExactly(encoded, GroupSecrets::decode, "GroupSecrets").toBytes()).isEqualTo(encoded);
        assertThat(secrets.toString()).doesNotContain("1111").doesNotContain("2222");
        for (int cut = 0; cut < encoded.length; cut++) {
            byte[] truncated = Arrays.copyOf(encoded, cut);
            assertThatThrownBy(() -> TlsReader.decodeExactly(truncated, GroupSecrets::decode, "GroupSecrets"))
                    .isInstanceOf(DecodeException.class);
        }
        Welcome welcome = new Welcome(1, List.of(new EncryptedGroupSecrets(Bytes.copyOf(new byte[16]),
                new HpkeCiphertext(new byte[32], new byte[48]))), Bytes.copyOf(new byte[64]));
        byte[] longer = Arrays.copyOf(welcome.toBytes(), welcome.toBytes().length + 2);
        assertThatThrownBy(() -> TlsReader.decodeExactly(longer, Welcome::decode, "Welcome"))
                .isInstanceOf(DecodeException.class).hasMessageContaining("2 unexpected bytes after Welcome");
    }
}
