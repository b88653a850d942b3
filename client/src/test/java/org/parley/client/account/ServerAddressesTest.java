package org.parley.client.account;

import com.google.protobuf.ByteString;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;
import org.parley.client.local.v1.Provisioning;
import org.parley.client.net.Endpoint;
import org.parley.client.net.ServerAddress;
import org.parley.client.net.ServerKeyChangedException;
import org.parley.protocol.ServerAnnouncements;
import org.parley.protocol.v1.Authenticated;
import org.parley.protocol.v1.Challenge;
import org.parley.protocol.v1.ServerAnnouncement;

import java.security.SecureRandom;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a profile trusts of its server, attacked the way a hostile server or a network in the
 * middle would: another key, forged, replayed and malformed announcements, oversized lists.
 */
class ServerAddressesTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Ed25519PrivateKeyParameters SERVER_KEY = new Ed25519PrivateKeyParameters(RANDOM);
    private static final ServerAddress HOME = new ServerAddress("127.0.0.1", 1, false);

    private static byte[] publicKey(Ed25519PrivateKeyParameters key) {
        return key.generatePublicKey().getEncoded();
    }

    private static Challenge challenge(Ed25519PrivateKeyParameters key, List<String> addresses, long issuedAt) {
        byte[] announcement = ServerAnnouncement.newBuilder().addAllAddresses(addresses).setIssuedAtMs(issuedAt).build().toByteArray();
        return signed(key, announcement);
    }

    private static Challenge signed(Ed25519PrivateKeyParameters key, byte[] announcement) {
        return Challenge.newBuilder().setNonce(ByteString.copyFrom(new byte[32])).setServerKey(ByteString.copyFrom(publicKey(key)))
                .setAnnouncement(ByteString.copyFrom(announcement))
                .setAnnouncementSignature(ByteString.copyFrom(ServerAnnouncements.sign(key, announcement))).build();
    }

    /** A device that pinned {@link #SERVER_KEY} at registration, from a Challenge without announcement. */
    private static ServerAddresses pinned(DeviceIdentity device) {
        ServerAddresses addresses = new ServerAddresses(device);
        addresses.pinAtStart(publicKey(SERVER_KEY), challenge(SERVER_KEY, List.of(), 0));
        return addresses;
    }

    @Test
    void theListIsRegisteredThenAddedThenAnnouncedWithoutRepeatsAndANewerAnnouncementReplacesTheOlder() {
        DeviceIdentity device = TestAccounts.newAccount("alice", RANDOM);
        ServerAddresses addresses = pinned(device);
        assertThat(device.serverKey()).isEqualTo(publicKey(SERVER_KEY));
        addresses.checkServer(challenge(SERVER_KEY, List.of("https://alt.example", "http://127.0.0.1:1",
                "parley://bridge?host=127.0.0.2&port=443&pin=" + "A".repeat(43)), 100));
        device.edit(record -> record.addExtraAddresses("https://mine.example"));
        assertThat(addresses.endpoints()).extracting(Endpoint::toString).containsExactly("http://127.0.0.1:1",
                "https://mine.example:443", "https://alt.example:443",
                "parley://bridge?host=127.0.0.2&port=443&pin=" + "A".repeat(43) + "&server=http%3A%2F%2F127.0.0.1%3A1");
        assertThat(addresses.entries()).extracting(ServerAddresses.Entry::source).containsExactly(ServerAddresses.Source.REGISTERED,
                ServerAddresses.Source.ADDED, ServerAddresses.Source.ANNOUNCED, ServerAddresses.Source.ANNOUNCED);

        addresses.checkServer(challenge(SERVER_KEY, List.of("https://new.example"), 200));
        assertThat(device.announcedAddresses()).containsExactly("https://new.example");
        assertThat(device.announcedAtMillis()).isEqualTo(200);
    }

    @Test
    void anotherKeyIsRefusedBeforeAnythingElseIsRead() {
        DeviceIdentity device = TestAccounts.newAccount("alice", RANDOM);
        ServerAddresses addresses = pinned(device);
        Ed25519PrivateKeyParameters attacker = new Ed25519PrivateKeyParameters(RANDOM);
        assertThatThrownBy(() -> addresses.checkServer(challenge(attacker, List.of("https://evil.example"), Long.MAX_VALUE)))
                .isInstanceOf(ServerKeyChangedException.class).hasMessageContaining("the server's key changed")
                .hasMessageContaining("attacker");
        for (byte[] garbage : new byte[][] {new byte[0], new byte[5], new byte[33], new byte[1 << 16]}) {
            Challenge malformed = challenge(SERVER_KEY, List.of(), 1).toBuilder().setServerKey(ByteString.copyFrom(garbage)).build();
            assertThatThrownBy(() -> addresses.checkServer(malformed)).isInstanceOf(ServerKeyChangedException.class);
        }
        assertThat(device.announcedAddresses()).isEmpty();
        assertThat(device.serverKey()).isEqualTo(publicKey(SERVER_KEY));
    }

    @Test
    void forgedReplayedAndMalformedAnnouncementsAreIgnored() {
        DeviceIdentity device = TestAccounts.newAccount("alice", RANDOM);
        ServerAddresses addresses = pinned(device);
        addresses.checkServer(challenge(SERVER_KEY, List.of("https://alt.example"), 1_000));

        Ed25519PrivateKeyParameters forger = new Ed25519PrivateKeyParameters(RANDOM);
        Challenge forged = challenge(forger, List.of("https://evil.example"), 2_000).toBuilder()
                .setServerKey(ByteString.copyFrom(publicKey(SERVER_KEY))).build();
        Challenge older = challenge(SERVER_KEY, List.of("https://old.example"), 999);
        Challenge tampered = challenge(SERVER_KEY, List.of("https://alt.example"), 3_000);
        byte[] tamperedBytes = tampered.getAnnouncement().toByteArray();
        tamperedBytes[tamperedBytes.length - 1] ^= 1;
        Challenge unsigned = challenge(SERVER_KEY, List.of("https://evil.example"), 4_000).toBuilder().clearAnnouncementSignature().build();
        Challenge garbage = signed(SERVER_KEY, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01});
        Challenge tenThousand = challenge(SERVER_KEY, IntStream.range(0, 10_000).mapToObj(i -> "https://a" + i + ".example").toList(), 5_000);
        Challenge tooLong = challenge(SERVER_KEY, List.of("https://" + "a".repeat(ServerAnnouncements.MAX_ADDRESS_LENGTH) + ".example"), 6_000);
        Challenge badSignatureBytes = tampered.toBuilder().setAnnouncementSignature(ByteString.copyFrom(new byte[7])).build();
        for (Challenge hostile : List.of(forged, older, tampered.toBuilder().setAnnouncement(ByteString.copyFrom(tamperedBytes)).build(),
                unsigned, garbage, tenThousand, tooLong, badSignatureBytes)) {
            addresses.checkServer(hostile); // the key is right: the connection stays usable, the announcement is not used
            assertThat(device.announcedAddresses()).containsExactly("https://alt.example");
            assertThat(device.announcedAtMillis()).isEqualTo(1_000);
        }
        assertThat(addresses.endpoints()).hasSize(2);
    }

    @Test
    void signedAddressesThatDoNotParseAreLeftOutAndTheRestKept() {
        DeviceIdentity device = TestAccounts.newAccount("alice", RANDOM);
        ServerAddresses addresses = pinned(device);
        addresses.checkServer(challenge(SERVER_KEY, List.of("not a url", "ftp://x", "", "parley://bridge?junk", "https://ok.example"), 1));
        assertThat(addresses.endpoints()).extracting(Endpoint::toString).containsExactly("http://127.0.0.1:1", "https://ok.example:443");
    }

    @Test
    void aProfileMadeBeforeServerKeysPinsAtItsNextConnectionAndAServerWithoutAKeyChangesNothing() {
        DeviceIdentity device = TestAccounts.newAccount("alice", RANDOM);
        ServerAddresses addresses = new ServerAddresses(device);
        addresses.checkServer(Challenge.newBuilder().setNonce(ByteString.copyFrom(new byte[32])).build());
        assertThat(device.serverKey()).isEmpty();
        addresses.checkServer(challenge(SERVER_KEY, List.of("https://alt.example"), 7));
        assertThat(device.serverKey()).isEqualTo(publicKey(SERVER_KEY));
        assertThat(device.announcedAddresses()).containsExactly("https://alt.example");
        assertThatThrownBy(() -> addresses.checkServer(challenge(new Ed25519PrivateKeyParameters(RANDOM), List.of(), 8)))
                .isInstanceOf(ServerKeyChangedException.class);
    }

    @Test
    void theLastThatWorkedIsRememberedAndUserAddedAddressesComeAndGo() {
        DeviceIdentity device = TestAccounts.newAccount("alice", RANDOM);
        ServerAddresses addresses = pinned(device);
        addresses.checkServer(challenge(SERVER_KEY, List.of("https://alt.example"), 1));
        Endpoint alternate = Endpoint.parse("https://alt.example", HOME);
        addresses.worked(alternate);
        assertThat(addresses.lastWorking()).contains(alternate);
        assertThat(device.lastWorking()).isEqualTo("https://alt.example:443");
        assertThat(Collections.frequency(addresses.entries().stream().map(ServerAddresses.Entry::lastWorking).toList(), true)).isOne();
    }

    @Test
    void aLinkedDeviceGetsTheKeyFromTheApprovingDeviceAndRefusesALinkingServerWithAnother() {
        DeviceIdentity phone = TestAccounts.newAccount("alice", RANDOM);
        pinned(phone);
        Ed25519PrivateKeyParameters laptopKey = DeviceIdentity.newIdentityKey(RANDOM);
        X25519PrivateKeyParameters provisioningKey = ProvisioningBox.newKey(RANDOM);
        byte[] sealed = ProvisioningBox.seal(Provisioning.newBuilder()
                .setAccountPrivateKey(ByteString.copyFrom(phone.accountPrivateKey()))
                .setDeviceCertificate(ByteString.copyFrom(phone.certify(laptopKey.generatePublicKey().getEncoded())))
                .setProfileKey(ByteString.copyFrom(phone.profileKey()))
                .setAccountId(ByteString.copyFrom(phone.accountId()))
                .setServerKey(ByteString.copyFrom(phone.serverKey())).build(), ProvisioningBox.publicKey(provisioningKey), RANDOM);
        Authenticated approval = Authenticated.newBuilder().setAccountId(ByteString.copyFrom(phone.accountId()))
                .setDeviceId(ByteString.copyFrom(new byte[16])).setUsername("alice").setProvisioning(ByteString.copyFrom(sealed)).build();

        DeviceIdentity laptop = Accounts.provisioned(Endpoint.direct(HOME), approval, laptopKey, provisioningKey, MailboxKey.generate(),
                challenge(SERVER_KEY, List.of(), 0));
        assertThat(laptop.serverKey()).isEqualTo(phone.serverKey());

        // A server in the middle of the link that is not the account's server: the new device never trusts it.
        assertThatThrownBy(() -> Accounts.provisioned(Endpoint.direct(HOME), approval, laptopKey, provisioningKey, MailboxKey.generate(),
                challenge(new Ed25519PrivateKeyParameters(RANDOM), List.of(), 0))).isInstanceOf(ServerKeyChangedException.class);
    }
}
