package org.parley.server.identity;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.ServerAnnouncements;
import org.parley.protocol.Tunnel;
import org.parley.protocol.v1.Challenge;
import org.parley.protocol.v1.ServerAnnouncement;
import org.parley.server.ServerConfig;
import org.parley.server.ServerStores;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreContract;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The server key (kept, owner-only, never replaced) and the signed announcement every Challenge carries. */
class ServerIdentityTest extends StoreContract {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void theKeyFileIsOwnerOnlyKeptAcrossStartsAndADamagedOneStopsTheServer() throws Exception {
        Path file = tempDir.resolve("data").resolve(ServerKey.FILE_NAME);
        Ed25519PrivateKeyParameters first = ServerKey.loadOrCreate(file, RANDOM);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(ServerKey.loadOrCreate(file, RANDOM).getEncoded()).isEqualTo(first.getEncoded());
        try (var files = Files.list(file.getParent())) {
            assertThat(files).as("no temporary file is left behind").containsExactly(file);
        }

        Files.write(file, new byte[31]);
        assertThatThrownBy(() -> ServerKey.loadOrCreate(file, RANDOM)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("restore it from a backup");
        assertThat(Files.size(file)).as("a damaged key is never replaced by a new one").isEqualTo(31);
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void everyNodeAndEveryStartOfADeploymentHasTheSameKey(Backend backend) throws Exception {
        ServerStores store = open(backend);
        Set<String> keys = ConcurrentHashMap.newKeySet();
        Callable<Boolean> start = () -> keys.add(java.util.HexFormat.of().formatHex(store.serverKey(RANDOM).getEncoded()));
        assertThat(countSuccesses(8, start)).as("eight nodes starting at once agree on one key").isOne();
        byte[] key = store.serverKey(RANDOM).getEncoded();
        assertThat(harness.restart().serverKey(RANDOM).getEncoded()).isEqualTo(key);
    }

    @Test
    void theChallengeCarriesTheKeyAndTheAlternatesSignedOverTheirExactBytesWithAFreshNonce() throws Exception {
        Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(RANDOM);
        List<String> alternates = List.of("https://alt.example:8443", "parley://bridge?host=127.0.0.2&port=443");
        ServerIdentity identity = ServerIdentity.sign(key, alternates, 1_234);
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        Challenge challenge = identity.challenge(nonce);
        assertThat(challenge.getNonce().toByteArray()).isEqualTo(nonce);
        assertThat(challenge.getServerKey().toByteArray()).isEqualTo(key.generatePublicKey().getEncoded()).isEqualTo(identity.publicKey());
        byte[] announcement = challenge.getAnnouncement().toByteArray();
        assertThat(ServerAnnouncements.verify(identity.publicKey(), announcement, challenge.getAnnouncementSignature().toByteArray()))
                .isTrue();
        assertThat(ServerAnnouncement.parseFrom(announcement).getAddressesList()).isEqualTo(alternates);
        assertThat(ServerAnnouncement.parseFrom(announcement).getIssuedAtMs()).isEqualTo(1_234);

        // The label binds the signature to announcements: the same key's signature over the bare bytes does not verify.
        org.bouncycastle.crypto.signers.Ed25519Signer bare = new org.bouncycastle.crypto.signers.Ed25519Signer();
        bare.init(true, key);
        bare.update(announcement, 0, announcement.length);
        assertThat(ServerAnnouncements.verify(identity.publicKey(), announcement, bare.generateSignature())).isFalse();
        assertThat(ServerAnnouncements.verify(new byte[5], announcement, challenge.getAnnouncementSignature().toByteArray())).isFalse();
        assertThat(ServerAnnouncements.verify(new byte[32], announcement, challenge.getAnnouncementSignature().toByteArray())).isFalse();
    }

    @ParameterizedTest
    @MethodSource(BACKENDS)
    void nodesStartedAtDifferentTimesShowOneAnnouncementAndANewListReachesEveryNode(Backend backend) throws Exception {
        ServerStores store = open(backend);
        List<String> first = List.of("https://chat1.example", "https://chat2.example");
        List<String> second = List.of("https://chat2.example");
        ServerIdentity nodeA = store.serverIdentity(RANDOM, first, 1_000);
        ServerIdentity nodeB = store.serverIdentity(RANDOM, first, 2_000);
        if (!store.sharedByNodes()) {
            // One node: every start signs anew, so a list changed at a restart is newer.
            assertThat(nodeB.issuedAtMillis()).isEqualTo(2_000);
            assertThat(store.refreshServerIdentity(nodeA)).isFalse();
            return;
        }
        assertThat(announcementOf(nodeB)).as("a node started later with the same list shows the stored announcement, byte for byte")
                .isEqualTo(announcementOf(nodeA));
        assertThat(nodeB.issuedAtMillis()).isEqualTo(1_000);
        assertThat(store.refreshServerIdentity(nodeA)).isFalse();

        // A node started with another list, its clock behind the first node's: still newer than the stored one.
        ServerIdentity nodeC = store.serverIdentity(RANDOM, second, 500);
        assertThat(nodeC.alternates()).isEqualTo(second);
        assertThat(nodeC.issuedAtMillis()).isEqualTo(1_001);
        assertThat(store.refreshServerIdentity(nodeA)).as("the older nodes adopt it").isTrue();
        assertThat(store.refreshServerIdentity(nodeB)).isTrue();
        assertThat(store.refreshServerIdentity(nodeA)).as("once").isFalse();
        assertThat(announcementOf(nodeA)).isEqualTo(announcementOf(nodeB)).isEqualTo(announcementOf(nodeC));
        assertThat(nodeA.alternates()).isEqualTo(second);
        assertThat(ServerAnnouncements.verify(nodeA.publicKey(), announcementOf(nodeA).getAnnouncement().toByteArray(),
                announcementOf(nodeA).getAnnouncementSignature().toByteArray())).isTrue();

        // Eight nodes starting at once with the first list again agree on one new announcement.
        Set<String> shown = ConcurrentHashMap.newKeySet();
        assertThat(countSuccesses(8, () -> shown.add(announcementOf(store.serverIdentity(RANDOM, first, 3_000)).toString())))
                .isOne();
        assertThat(store.refreshServerIdentity(nodeC)).isTrue();
        assertThat(nodeC.alternates()).isEqualTo(first);
        assertThat(nodeC.issuedAtMillis()).isEqualTo(3_000);
    }

    /** The Challenge without its nonce: what a client compares between connections. */
    private static Challenge announcementOf(ServerIdentity identity) {
        return identity.challenge(new byte[0]).toBuilder().clearNonce().build();
    }

    @Test
    void tooManyBlankOrOverlongAlternatesAreRefusedAtConfiguration() {
        ServerConfig config = ServerConfig.defaults();
        assertThatThrownBy(() -> config.withAlternates(Collections.nCopies(ServerAnnouncements.MAX_ADDRESSES + 1, "https://a.example")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 16");
        assertThatThrownBy(() -> config.withAlternates(List.of(" "))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> config.withAlternates(List.of("https://" + "a".repeat(ServerAnnouncements.MAX_ADDRESS_LENGTH))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(config.withAlternates(List.of("https://a.example")).alternates()).containsExactly("https://a.example");
    }

    @Test
    void answersATunnelsHelloSignedWithItsKeyWhateverItShowsAndNeverPrintsTheKey() {
        Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(RANDOM);
        ServerIdentity signed = ServerIdentity.sign(key, List.of("https://alt.example"), 1);
        ServerIdentity other = ServerIdentity.sign(new Ed25519PrivateKeyParameters(RANDOM), List.of(), 2);
        ServerIdentity showing = signed.showing(other.announcement(), other.announcementSignature());
        for (ServerIdentity identity : List.of(signed, showing)) {
            Tunnel.ClientHandshake client = new Tunnel.ClientHandshake(RANDOM);
            Tunnel.Accepted accepted = identity.acceptTunnel(client.hello(), RANDOM);
            Tunnel.ClientKeys keys = client.finish(accepted.serverHello(), key.generatePublicKey().getEncoded());
            assertThat(accepted.fromClient().open(keys.toServer().seal(Tunnel.OPEN_SESSION, new byte[0])))
                    .containsExactly(Tunnel.OPEN_SESSION);
            assertThat(identity.toString()).doesNotContainIgnoringCase(HexFormat.of().formatHex(key.getEncoded()))
                    .doesNotContain(Base64.getEncoder().withoutPadding().encodeToString(key.getEncoded()))
                    .doesNotContain(Base64.getUrlEncoder().withoutPadding().encodeToString(key.getEncoded()));
        }
        assertThatThrownBy(() -> signed.acceptTunnel(new byte[Tunnel.CLIENT_HELLO_BYTES - 1], RANDOM))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
