package org.parley.mls.group;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.Hpke;
import org.parley.mls.crypto.HpkeKnownAnswers;
import org.parley.mls.crypto.Secret;
import org.parley.mls.messages.GroupInfo;
import org.parley.mls.messages.GroupSecrets;
import org.parley.mls.messages.PreSharedKeyID;
import org.parley.mls.schedule.GroupContext;
import org.parley.mls.schedule.KeySchedule;
import org.parley.mls.schedule.PskSecret;
import org.parley.mls.schedule.SecretTree;
import org.parley.mls.tree.TreeKem;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every record that holds a secret prints none of it, and records holding equal secrets are equal. */
class SecretRecordsTest {
    private static final CipherSuite SUITE = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void noSecretHoldingRecordPrintsItsSecrets() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        Secret secret = Secret.copyOf(bytes);
        GroupContext context = new GroupContext(SUITE, new byte[] {1}, 3, new byte[32], new byte[32], List.of());
        GroupSecrets groupSecrets = new GroupSecrets(secret, secret, List.of());
        GroupInfo info = new GroupInfo(context, List.of(), Bytes.copyOf(new byte[32]), 0, Bytes.EMPTY);
        List<Object> records = List.of(
                groupSecrets,
                new PskSecret.Psk(PreSharedKeyID.external(Bytes.fromHex("01"), Bytes.fromHex("02")), secret),
                new SecretTree.RatchetKey(1, secret, secret),
                new KeySchedule.ExternalInit(Bytes.fromHex("0102"), secret),
                new TreeKem.Created(null, secret, null, Map.of(3, secret)),
                new TreeKem.Processed(3, secret, secret),
                new Welcomes.Opened(groupSecrets, secret, info),
                new GroupState.PastEpoch(context, null, secret, new SecretTree(SUITE, secret, 2)));
        for (Object record : records) {
            assertThat(record.toString()).as(record.getClass().getName())
                    .doesNotContain(HexFormat.of().formatHex(bytes, 0, 4)).doesNotContain(HexFormat.of().formatHex(bytes, 28, 32));
        }
    }

    @Test
    void anHpkeSenderContextPrintsNoneOfItsKeySchedule() {
        Hpke.SenderContext sender = SUITE.hpke().setupS(Hpke.Mode.BASE, SUITE.generateHpkeKeyPair(RANDOM).publicKey(),
                new byte[0], new byte[0], new byte[0], null, RANDOM);
        HpkeKnownAnswers.KeyScheduleValues values = HpkeKnownAnswers.keyScheduleValues(sender.context());
        for (Secret secret : List.of(values.sharedSecret(), values.secret(), values.key(), values.exporterSecret())) {
            assertThat(sender.toString()).doesNotContain(HexFormat.of().formatHex(secret.copyBytes(), 0, 4));
            assertThat(values.toString()).doesNotContain(HexFormat.of().formatHex(secret.copyBytes(), 0, 4));
        }
    }

    @Test
    void recordsHoldingEqualSecretsAreEqual() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        assertThat(new SecretTree.RatchetKey(1, Secret.copyOf(bytes), Secret.copyOf(bytes)))
                .isEqualTo(new SecretTree.RatchetKey(1, Secret.copyOf(bytes), Secret.copyOf(bytes)));
        assertThat(new KeySchedule.ExternalInit(Bytes.fromHex("01"), Secret.copyOf(bytes)))
                .isEqualTo(new KeySchedule.ExternalInit(Bytes.fromHex("01"), Secret.copyOf(bytes)))
                .isNotEqualTo(new KeySchedule.ExternalInit(Bytes.fromHex("01"), Secret.copyOf(new byte[32])));
    }
}
