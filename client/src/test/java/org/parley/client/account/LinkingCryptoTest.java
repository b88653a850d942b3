package org.parley.client.account;

import com.google.protobuf.ByteString;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;
import org.parley.client.local.v1.Provisioning;
import org.parley.client.net.Endpoint;
import org.parley.client.net.ServerAddress;
import org.parley.protocol.DeviceLinkCode;
import org.parley.protocol.v1.Authenticated;

import java.security.SecureRandom;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The cryptography of linking on its own: the fingerprint in the link code, the sealed
 * provisioning, and the new device's checks before it saves anything, each attacked the way a
 * server in the middle would.
 */
class LinkingCryptoTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Endpoint SERVER = Endpoint.direct(new ServerAddress("127.0.0.1", 7878, false));

    private static byte[] key32() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }

    @Test
    void theCodeIsTheServersCodeAndAFingerprintInGroupsOfFour() {
        String serverCode = DeviceLinkCode.generate(RANDOM);
        byte[] identity = key32();
        byte[] provisioning = key32();
        String shown = LinkFingerprint.shown(serverCode, identity, provisioning);
        assertThat(shown).matches("([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}");
        LinkFingerprint.Parts parts = LinkFingerprint.split(shown.toLowerCase().replace("-", " "));
        assertThat(parts.serverCode()).isEqualTo(DeviceLinkCode.canonical(serverCode));
        assertThat(LinkFingerprint.matches(parts, identity, provisioning)).isTrue();
        assertThat(parts.toString()).doesNotContain(parts.fingerprint());
    }

    @Test
    void theFingerprintIsTheFirstEightyBitsOfTheLabelledHash() throws Exception {
        byte[] identity = new byte[32];
        byte[] provisioning = new byte[32];
        Arrays.fill(provisioning, (byte) 0xff);
        java.security.MessageDigest sha256 = java.security.MessageDigest.getInstance("SHA-256");
        sha256.update("parley-v1-link".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        sha256.update(identity);
        sha256.update(provisioning);
        byte[] digest = sha256.digest();
        // Read as one 80-bit number, independently of the five-bits-at-a-time encoder.
        java.math.BigInteger first80 = new java.math.BigInteger(1, Arrays.copyOf(digest, 10));
        StringBuilder expected = new StringBuilder();
        for (int i = 15; i >= 0; i--) {
            expected.append("0123456789ABCDEFGHJKMNPQRSTVWXYZ".charAt(first80.shiftRight(i * 5).intValue() & 31));
        }
        assertThat(LinkFingerprint.fingerprint(identity, provisioning)).isEqualTo(expected.toString());
    }

    @Test
    void anotherWaitingDeviceDoesNotMatchTheFingerprint() {
        byte[] identity = key32();
        byte[] provisioning = key32();
        LinkFingerprint.Parts typed = LinkFingerprint.split(LinkFingerprint.shown(DeviceLinkCode.generate(RANDOM), identity, provisioning));
        assertThat(LinkFingerprint.matches(typed, key32(), provisioning)).as("the server's own identity key").isFalse();
        assertThat(LinkFingerprint.matches(typed, identity, key32())).as("the server's own provisioning key").isFalse();
        assertThat(LinkFingerprint.matches(typed, provisioning, identity)).as("the keys swapped").isFalse();
    }

    @Test
    void mistypedCodesAreRefusedWithAMessageForPeople() {
        String shown = LinkFingerprint.shown(DeviceLinkCode.generate(RANDOM), key32(), key32());
        assertThatThrownBy(() -> LinkFingerprint.split(shown.substring(0, 14))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("type the whole code");
        assertThatThrownBy(() -> LinkFingerprint.split(shown + "A")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LinkFingerprint.split(shown.substring(0, shown.length() - 1) + "U"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no 'U'");
        char first = shown.charAt(0);
        assertThatThrownBy(() -> LinkFingerprint.split((first == 'A' ? 'B' : 'A') + shown.substring(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("check characters");
        assertThatThrownBy(() -> LinkFingerprint.split(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LinkFingerprint.split("A".repeat(100_000))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LinkFingerprint.split("")).isInstanceOf(IllegalArgumentException.class);
    }

    /** The approving side's work, as Accounts.approveLink does it once the fingerprint matched. */
    private static byte[] approval(DeviceIdentity approver, byte[] newIdentityKey, byte[] provisioningKey) {
        Provisioning provisioning = Provisioning.newBuilder()
                .setAccountPrivateKey(ByteString.copyFrom(approver.accountPrivateKey()))
                .setDeviceCertificate(ByteString.copyFrom(approver.certify(newIdentityKey)))
                .setProfileKey(ByteString.copyFrom(approver.profileKey()))
                .setAccountId(ByteString.copyFrom(approver.accountId())).build();
        return ProvisioningBox.seal(provisioning, provisioningKey, RANDOM);
    }

    private static Authenticated pushed(DeviceIdentity approver, byte[] sealed) {
        return Authenticated.newBuilder().setAccountId(ByteString.copyFrom(approver.accountId()))
                .setDeviceId(ByteString.copyFrom(key32(), 0, 16)).setUsername(approver.username())
                .setProvisioning(ByteString.copyFrom(sealed)).build();
    }

    @Test
    void theNewDeviceOpensTheProvisioningAndHoldsTheAccountKey() {
        DeviceIdentity phone = TestAccounts.newAccount("alice", RANDOM);
        Ed25519PrivateKeyParameters laptopKey = DeviceIdentity.newIdentityKey(RANDOM);
        X25519PrivateKeyParameters provisioningKey = ProvisioningBox.newKey(RANDOM);
        byte[] sealed = approval(phone, laptopKey.generatePublicKey().getEncoded(), ProvisioningBox.publicKey(provisioningKey));

        MailboxKey laptopMailbox = MailboxKey.generate();
        DeviceIdentity laptop = Accounts.provisioned(SERVER, pushed(phone, sealed), laptopKey, provisioningKey, laptopMailbox);
        assertThat(laptop.mailboxPublicKey()).isEqualTo(laptopMailbox.publicKey());
        assertThat(laptop.accountKey()).isEqualTo(phone.accountKey());
        assertThat(laptop.accountId()).isEqualTo(phone.accountId());
        assertThat(laptop.profileKey()).isEqualTo(phone.profileKey());
        assertThat(AccountKey.certifies(laptop.accountKey(), laptop.accountId(), laptop.publicIdentityKey(), laptop.deviceCertificate()))
                .isTrue();
        assertThat(laptop.toString()).doesNotContain(java.util.HexFormat.of().formatHex(laptop.accountPrivateKey()));
    }

    @Test
    void aTamperedOrMisdirectedProvisioningIsRefused() {
        DeviceIdentity phone = TestAccounts.newAccount("alice", RANDOM);
        Ed25519PrivateKeyParameters laptopKey = DeviceIdentity.newIdentityKey(RANDOM);
        X25519PrivateKeyParameters provisioningKey = ProvisioningBox.newKey(RANDOM);
        byte[] laptopPublic = laptopKey.generatePublicKey().getEncoded();
        byte[] sealed = approval(phone, laptopPublic, ProvisioningBox.publicKey(provisioningKey));

        for (int at : new int[] {0, 31, 32, sealed.length - 1}) {
            byte[] flipped = sealed.clone();
            flipped[at] ^= 1;
            assertThatThrownBy(() -> Accounts.provisioned(SERVER, pushed(phone, flipped), laptopKey, provisioningKey, MailboxKey.generate()))
                    .as("a bit flipped at %d", at).isInstanceOf(LinkRefusedException.class).hasMessageContaining("nothing was saved");
        }
        for (byte[] malformed : new byte[][] {new byte[0], Arrays.copyOf(sealed, 32), Arrays.copyOf(sealed, 40), new byte[5000],
                Arrays.copyOf(sealed, sealed.length + 1)}) {
            assertThatThrownBy(() -> Accounts.provisioned(SERVER, pushed(phone, malformed), laptopKey, provisioningKey, MailboxKey.generate()))
                    .isInstanceOf(LinkRefusedException.class);
        }
        // Sealed to another provisioning key (the server's own waiting device): this device cannot open it.
        byte[] toSomeoneElse = approval(phone, laptopPublic, ProvisioningBox.publicKey(ProvisioningBox.newKey(RANDOM)));
        assertThatThrownBy(() -> Accounts.provisioned(SERVER, pushed(phone, toSomeoneElse), laptopKey, provisioningKey, MailboxKey.generate()))
                .isInstanceOf(LinkRefusedException.class);
    }

    @Test
    void aProvisioningThatDoesNotCertifyThisDeviceIsRefused() {
        DeviceIdentity phone = TestAccounts.newAccount("alice", RANDOM);
        Ed25519PrivateKeyParameters laptopKey = DeviceIdentity.newIdentityKey(RANDOM);
        X25519PrivateKeyParameters provisioningKey = ProvisioningBox.newKey(RANDOM);
        byte[] provisioningPublic = ProvisioningBox.publicKey(provisioningKey);

        // A certificate of another device's key (the operator's), sealed correctly to this device.
        byte[] otherKey = DeviceIdentity.newIdentityKey(RANDOM).generatePublicKey().getEncoded();
        byte[] wrongDevice = approval(phone, otherKey, provisioningPublic);
        assertThatThrownBy(() -> Accounts.provisioned(SERVER, pushed(phone, wrongDevice), laptopKey, provisioningKey, MailboxKey.generate()))
                .isInstanceOf(LinkRefusedException.class).hasMessageContaining("does not make it a device of that account");

        // The server, knowing the provisioning key, seals its own account key and a certificate by it.
        DeviceIdentity operator = TestAccounts.newAccount("alice", RANDOM);
        byte[] operatorsAccount = ProvisioningBox.seal(Provisioning.newBuilder()
                .setAccountPrivateKey(ByteString.copyFrom(operator.accountPrivateKey()))
                .setDeviceCertificate(ByteString.copyFrom(operator.certify(laptopKey.generatePublicKey().getEncoded())))
                .setAccountId(ByteString.copyFrom(operator.accountId())).build(), provisioningPublic, RANDOM);
        assertThatThrownBy(() -> Accounts.provisioned(SERVER, pushed(phone, operatorsAccount), laptopKey, provisioningKey, MailboxKey.generate()))
                .as("its account id is not the one the device joined").isInstanceOf(LinkRefusedException.class);

        // The right certificate but an account private key that does not match it.
        byte[] mismatchedKey = ProvisioningBox.seal(Provisioning.newBuilder()
                .setAccountPrivateKey(ByteString.copyFrom(operator.accountPrivateKey()))
                .setDeviceCertificate(ByteString.copyFrom(phone.certify(laptopKey.generatePublicKey().getEncoded())))
                .setAccountId(ByteString.copyFrom(phone.accountId())).build(), provisioningPublic, RANDOM);
        assertThatThrownBy(() -> Accounts.provisioned(SERVER, pushed(phone, mismatchedKey), laptopKey, provisioningKey, MailboxKey.generate()))
                .isInstanceOf(LinkRefusedException.class);

        byte[] noAccountKey = ProvisioningBox.seal(Provisioning.newBuilder()
                .setDeviceCertificate(ByteString.copyFrom(phone.certify(laptopKey.generatePublicKey().getEncoded())))
                .setAccountId(ByteString.copyFrom(phone.accountId())).build(), provisioningPublic, RANDOM);
        assertThatThrownBy(() -> Accounts.provisioned(SERVER, pushed(phone, noAccountKey), laptopKey, provisioningKey, MailboxKey.generate()))
                .isInstanceOf(LinkRefusedException.class);
    }

    @Test
    void sealingRefusesAProvisioningKeyThatIsNoX25519Key() {
        DeviceIdentity phone = TestAccounts.newAccount("alice", RANDOM);
        byte[] laptop = key32();
        assertThatThrownBy(() -> approval(phone, laptop, new byte[31])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> approval(phone, laptop, new byte[32])).as("a small-order point")
                .isInstanceOf(IllegalArgumentException.class);
    }
}
