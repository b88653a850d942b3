package org.parley.client;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;
import org.parley.client.account.Accounts;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.net.ServerAddress;
import org.parley.client.net.ServerKeyChangedException;
import org.parley.client.store.ProfileStore;
import org.parley.client.testkit.DeviceLinks;
import org.parley.client.testkit.LiveServer;
import org.parley.server.ServerConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The server key against real servers: pinned at registration with the announced alternates,
 * handed to a linked device by the approving one, and a server with another key at the pinned
 * server's address refused.
 */
class ServerKeyPinningTest extends LiveServerTestBase {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String BRIDGE = "parley://bridge?host=127.0.0.2&port=8443&pin=" + "B".repeat(43);

    private LiveServer start(String name, int port, List<String> alternates) throws Exception {
        return new LiveServer(temp.resolve(name), ServerConfig.defaults().withListen("127.0.0.1", port)
                .withCalls(ServerConfig.Calls.defaults().withMediaPort(java.util.OptionalInt.empty())).withAlternates(alternates));
    }

    private byte[] publicKeyOf(String name) throws Exception {
        Path file = temp.resolve(name).resolve("server-key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        return new Ed25519PrivateKeyParameters(Files.readAllBytes(file), 0).generatePublicKey().getEncoded();
    }

    @Test
    void registeringPinsTheServersKeyAndKeepsTheAlternatesItAnnounces() throws Exception {
        server = start("server", 0, List.of("https://alt.example:8443", BRIDGE));
        ParleyClient alice = signedIn("alice", server.address());
        assertThat(alice.identity().serverKey()).isEqualTo(publicKeyOf("server"));
        assertThat(alice.identity().announcedAddresses()).containsExactly("https://alt.example:8443", BRIDGE);
        assertThat(alice.serverAddresses().endpoints()).hasSize(3);
    }

    @Test
    void aServerWithAnotherKeyAtThePinnedAddressIsRefusedWithAClearError() throws Exception {
        server = start("server", 0, List.of());
        int port = server.address().port();
        ProfileStore store = profiles.create("alice");
        Accounts.register(store, server.address(), "alice", null, RANDOM, ParleyClient.DEFAULT_TIMEOUT);
        server.close();
        server = null;

        try (LiveServer impostor = start("impostor", port, List.of("https://evil.example"))) {
            assertThatThrownBy(() -> profiles.connect(store, temp.resolve("files")))
                    .isInstanceOf(ServerKeyChangedException.class)
                    .hasMessageContaining("the server's key changed: this may be an attacker's server");
            DeviceIdentity stored = DeviceIdentity.load(store);
            assertThat(stored.serverKey()).isEqualTo(publicKeyOf("server")).isNotEqualTo(publicKeyOf("impostor"));
            assertThat(stored.announcedAddresses()).as("nothing the impostor said is kept").isEmpty();
        }
        // The real server back at its address (the same data folder, so the same key): signed in again.
        server = new LiveServer(temp.resolve("server"), ServerConfig.defaults().withListen("127.0.0.1", port)
                .withCalls(ServerConfig.Calls.defaults().withMediaPort(java.util.OptionalInt.empty())));
        ParleyClient alice = profiles.connect(store, temp.resolve("files"));
        assertThat(alice.session().address()).isEqualTo(new ServerAddress("127.0.0.1", port, false));
    }

    @Test
    void aLinkedDeviceGetsThePinnedKeyFromTheDeviceThatApprovedIt() throws Exception {
        server = start("server", 0, List.of("https://alt.example:8443"));
        ParleyClient phone = signedIn("alice", server.address());
        DeviceIdentity laptop = DeviceLinks.link(profiles.create("alice-laptop"), phone);
        assertThat(laptop.serverKey()).isEqualTo(phone.identity().serverKey()).isEqualTo(publicKeyOf("server"));
        assertThat(laptop.announcedAddresses()).containsExactly("https://alt.example:8443");
    }
}
