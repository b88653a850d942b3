package org.parley.client.account;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.local.v1.DeviceRecord;
import org.parley.client.store.ProfileException;
import org.parley.client.store.ProfileStore;
import org.parley.protocol.MailboxSeal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A device's mailbox key: kept in the profile with the device, opening what the server sealed to
 * it and nothing else, and never shown.
 */
class MailboxKeyTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] SENT = "a wrapped payload".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void theDeviceKeepsItsKeyAndOpensOnlyCopiesSealedToIt() {
        DeviceIdentity alice = TestAccounts.newAccount("alice", RANDOM);
        DeviceIdentity bob = TestAccounts.newAccount("bob", RANDOM);
        try (ProfileStore store = ProfileStore.open(dir, null, true, RANDOM)) {
            alice.save(store);
            DeviceIdentity loaded = DeviceIdentity.load(store);
            assertThat(loaded.mailboxPublicKey()).hasSize(MailboxSeal.KEY_BYTES).isEqualTo(alice.mailboxPublicKey());
            assertThat(loaded.openMailboxCopy(MailboxSeal.seal(alice.mailboxPublicKey(), SENT))).isEqualTo(SENT);
        }
        byte[] toBob = MailboxSeal.seal(bob.mailboxPublicKey(), SENT);
        assertThatThrownBy(() -> alice.openMailboxCopy(toBob)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> alice.openMailboxCopy(SENT)).as("a copy the server did not seal")
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> alice.openMailboxCopy(new byte[0])).isInstanceOf(IllegalArgumentException.class);
        byte[] flipped = MailboxSeal.seal(alice.mailboxPublicKey(), SENT);
        flipped[flipped.length - 1] ^= 1;
        assertThatThrownBy(() -> alice.openMailboxCopy(flipped)).isInstanceOf(IllegalArgumentException.class);
        assertThat(alice.mailboxPublicKey()).isNotEqualTo(bob.mailboxPublicKey());
    }

    @Test
    void theKeyNeverShows() {
        MailboxKey key = MailboxKey.generate();
        String hex = HexFormat.of().formatHex(key.privateKey());
        assertThat(key.toString()).doesNotContain(hex).contains("hidden");
        assertThat(TestAccounts.newAccount("alice", RANDOM).toString()).doesNotContain("MailboxKey");
    }

    @Test
    void aProfileFromBeforeMailboxKeysReadsItsCopiesAsSentAndADamagedKeyIsRefused() {
        DeviceIdentity alice = TestAccounts.newAccount("alice", RANDOM);
        DeviceRecord.Builder record = DeviceRecord.newBuilder().setServer(alice.server().toString()).setUsername("alice")
                .setAccountId(ByteString.copyFrom(alice.accountId())).setDeviceId(ByteString.copyFrom(alice.deviceId()))
                .setIdentityPrivateKey(ByteString.copyFrom(alice.privateIdentityKey()))
                .setAccountPrivateKey(ByteString.copyFrom(alice.accountPrivateKey()))
                .setDeviceCertificate(ByteString.copyFrom(alice.deviceCertificate()))
                .setProfileKey(ByteString.copyFrom(alice.profileKey()));
        try (ProfileStore store = ProfileStore.open(dir, null, true, RANDOM)) {
            store.put(DeviceIdentity.STORE_NAME, record.build().toByteArray());
            DeviceIdentity old = DeviceIdentity.load(store);
            assertThat(old.mailboxPublicKey()).isEmpty();
            assertThat(old.openMailboxCopy(SENT)).as("its server has no key to seal to").isEqualTo(SENT);

            store.put(DeviceIdentity.STORE_NAME, record.setMailboxPrivateKey(ByteString.copyFrom(new byte[32]))
                    .setMailboxPublicKey(ByteString.copyFrom(new byte[32])).build().toByteArray());
            assertThatThrownBy(() -> DeviceIdentity.load(store)).isInstanceOf(ProfileException.class).hasMessageContaining("mailbox key");
            store.put(DeviceIdentity.STORE_NAME, record.setMailboxPrivateKey(ByteString.copyFrom(new byte[31]))
                    .setMailboxPublicKey(ByteString.copyFrom(MailboxKey.generate().publicKey())).build().toByteArray());
            assertThatThrownBy(() -> DeviceIdentity.load(store)).isInstanceOf(ProfileException.class).hasMessageContaining("mailbox key");
        }
    }
}
