package org.parley.server;

import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;

import java.io.Writer;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TlsTest extends ServerTestBase {

    @Test
    void refusesANonLoopbackAddressWithoutTlsAndSaysHowToGiveACertificate() {
        ServerConfig exposed = testConfig().withListen("0.0.0.0", 0);
        assertThatThrownBy(exposed::checkListenIsSafe).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without TLS").hasMessageContaining("--tls-cert").hasMessageContaining("--tls-key");
    }

    @Test
    void servesTheWebSocketOverTlsFromPemFiles() throws Exception {
        Path cert = tempDir.resolve("cert.pem");
        Path key = tempDir.resolve("key.pem");
        writeSelfSigned(cert, key);
        start(Backend.SQLITE, config -> config.withTls(new ServerConfig.Tls(cert, key)), store -> store);
        var trustAll = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        try (TestClient client = TestClient.connect(URI.create("wss://127.0.0.1:" + server.address().getPort() + "/v1/ws"), trustAll)) {
            assertThat(client.register("alice", randomBytes(32), null).hasAuthenticated()).isTrue();
        }
    }

    /** A self-signed certificate for 127.0.0.1 and its PKCS#8 key, as PEM files. */
    static void writeSelfSigned(Path certFile, Path keyFile) throws Exception {
        writeSelfSigned(certFile, keyFile, "parley-test");
    }

    /** As {@link #writeSelfSigned(Path, Path)}, with this common name as subject and issuer. */
    static void writeSelfSigned(Path certFile, Path keyFile, String commonName) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair pair = generator.generateKeyPair();
        X500Name name = new X500Name("CN=" + commonName);
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofMinutes(1))), Date.from(now.plus(Duration.ofDays(1))), name, pair.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
        var holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
        try (Writer out = Files.newBufferedWriter(certFile); JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(holder);
        }
        try (Writer out = Files.newBufferedWriter(keyFile); JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(new JcaPKCS8Generator(pair.getPrivate(), null));
        }
    }
}
