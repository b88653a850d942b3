package org.parley.mls.schedule;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkeKeyPair;
import org.parley.mls.extensions.Extension;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyScheduleTest {
    private static final CipherSuite SUITE = CipherSuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256;

    private static GroupContext context() {
        return new GroupContext(SUITE, new byte[] {1, 2, 3}, 7, new byte[32], new byte[32],
                List.of(new Extension(0x0001, new byte[] {9})));
    }

    @Test
    void groupContextRoundTrips() {
        GroupContext c = context();
        assertThat(GroupContext.decode(c.toBytes())).isEqualTo(c);
    }

    @Test
    void everyTruncationOfAGroupContextIsRejected() {
        byte[] encoded = context().toBytes();
        for (int n = 0; n < encoded.length; n++) {
            byte[] prefix = Arrays.copyOf(encoded, n);
            assertThatThrownBy(() -> GroupContext.decode(prefix)).isInstanceOf(DecodeException.class);
        }
    }

    @Test
    void malformedGroupContextsAreRejectedWithTheReason() {
        byte[] encoded = context().toBytes();
        byte[] trailing = Arrays.copyOf(encoded, encoded.length + 1);
        assertThatThrownBy(() -> GroupContext.decode(trailing)).hasMessageContaining("1 unexpected bytes after GroupContext");

        byte[] version = encoded.clone();
        version[1] = 2;
        assertThatThrownBy(() -> GroupContext.decode(version)).isInstanceOf(DecodeException.class)
                .hasMessageContaining("protocol version 2").hasMessageContaining("at byte 0");

        byte[] suite = encoded.clone();
        suite[3] = 0x09;
        assertThatThrownBy(() -> GroupContext.decode(suite)).isInstanceOf(DecodeException.class)
                .hasMessageContaining("unsupported MLS cipher suite 0x0009").hasMessageContaining("at byte 2");

        byte[] overLong = encoded.clone();
        overLong[4] = 0x3f; // group_id claims 63 bytes
        assertThatThrownBy(() -> GroupContext.decode(overLong)).isInstanceOf(DecodeException.class);

        byte[] hostileLength = new TlsWriter().writeUint16(1).writeUint16(1).writeUint32(0xBFFFFFFFL).toByteArray();
        assertThatThrownBy(() -> GroupContext.decode(hostileLength)).isInstanceOf(DecodeException.class)
                .hasMessageContaining("exceeds");

        GroupContext twice = new GroupContext(SUITE, new byte[0], 0, new byte[0], new byte[0],
                List.of(new Extension(5, new byte[0]), new Extension(5, new byte[0])));
        assertThatThrownBy(() -> GroupContext.decode(twice.toBytes())).hasMessageContaining("appears twice");
    }

    @Test
    void externalJoinerAndGroupAgreeOnTheInitSecret() {
        SecureRandom random = new SecureRandom();
        EpochSecrets secrets = KeySchedule.fromInitSecret(SUITE, new byte[32], new byte[32], null, context());
        HpkeKeyPair external = secrets.externalKeyPair();
        KeySchedule.ExternalInit init = KeySchedule.externalInit(SUITE, external.publicKey(), random);
        assertThat(KeySchedule.externalInitSecret(SUITE, external.privateKey(), init.kemOutput().toByteArray()))
                .isEqualTo(init.initSecret().copyBytes());
        assertThat(init.initSecret().length()).isEqualTo(SUITE.hashLength());
        assertThat(init.toString()).doesNotContain(HexFormat.of().formatHex(init.initSecret().copyBytes()));
    }

    @Test
    void noPskEqualsTheAllZeroPskSecret() {
        byte[] joiner = KeySchedule.joinerSecret(SUITE, new byte[32], new byte[32], context());
        assertThat(PskSecret.compute(SUITE, List.of())).isEqualTo(new byte[32]);
        assertThat(KeySchedule.fromJoinerSecret(SUITE, joiner, null, context()).epochAuthenticator())
                .isEqualTo(KeySchedule.fromJoinerSecret(SUITE, joiner, new byte[32], context()).epochAuthenticator());
        byte[] welcome = KeySchedule.welcomeSecret(SUITE, joiner, null);
        assertThat(KeySchedule.welcomeKey(SUITE, welcome)).hasSize(16);
        assertThat(KeySchedule.welcomeNonce(SUITE, welcome)).hasSize(12);
    }

    @Test
    void transcriptHashesAdvanceWithEachCommit() {
        TranscriptHashes start = TranscriptHashes.initial();
        TranscriptHashes next = start.next(SUITE, new byte[] {1}, new byte[] {2});
        assertThat(next.confirmed().toByteArray()).isEqualTo(TranscriptHashes.confirmed(SUITE, new byte[0], new byte[] {1}));
        assertThat(next.interim().toByteArray())
                .isEqualTo(TranscriptHashes.interim(SUITE, next.confirmed().toByteArray(), new byte[] {2}));
        assertThat(next.next(SUITE, new byte[] {1}, new byte[] {2})).isNotEqualTo(next);
    }

    @Test
    void epochSecretsNeverPrintSecrets() {
        EpochSecrets secrets = KeySchedule.fromInitSecret(SUITE, new byte[32], new byte[32], null, context());
        String text = secrets.toString();
        assertThat(text).contains("redacted").doesNotContain(HexFormat.of().formatHex(secrets.encryptionSecret().copyBytes()).substring(0, 16));
        assertThat(secrets.secretTree(2).leafCount()).isEqualTo(2);
        assertThat(secrets.exporter("label", new byte[0], 20)).hasSize(20);
    }
}
