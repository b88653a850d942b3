package org.parley.client.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.testkit.LiveServer;
import org.parley.client.ParleyClient;
import org.parley.client.account.Accounts;
import org.parley.client.store.ProfileStore;
import org.parley.client.testnet.TestCertificate;
import org.parley.server.ServerConfig;

import java.net.InetAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A TLS server whose certificate no trusted authority vouches for: refused, with what to do, until it is trusted. */
class UntrustedServerTest {
    @TempDir
    Path temp;

    @Test
    void anUntrustedCertificateIsRefusedWithWhatToDoAndATrustStoreLetsTheClientIn() throws Exception {
        SecureRandom random = new SecureRandom();
        TestCertificate certificate = TestCertificate.create(temp.resolve("tls"), List.of(InetAddress.getLoopbackAddress()));
        ServerConfig config = ServerConfig.defaults().withListen("127.0.0.1", 0)
                .withTls(new ServerConfig.Tls(certificate.certificatePem(), certificate.privateKeyPem()));
        try (LiveServer server = new LiveServer(temp.resolve("server"), config)) {
            try (ProfileStore store = ProfileStore.open(temp.resolve("alice"), null, true, random)) {
                assertThatThrownBy(() -> Accounts.register(store, server.address(), "alice", null, random, ParleyClient.DEFAULT_TIMEOUT))
                        .isInstanceOf(ConnectionException.class).hasMessageContaining("does not trust")
                        .hasMessageContaining("javax.net.ssl.trustStore");
            }
            try (AutoCloseable trusted = certificate.trustedByThisJvm();
                 ProfileStore store = ProfileStore.open(temp.resolve("bob"), null, true, random)) {
                assertThat(Accounts.register(store, server.address(), "bob", null, random, ParleyClient.DEFAULT_TIMEOUT).username())
                        .isEqualTo("bob");
            }
        }
    }
}
