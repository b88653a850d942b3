package org.parley.server.bridge;

import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bridge as a client meets it: real TLS from the JDK's own client to it, a plain TCP upstream
 * behind it that shows what arrives, and the attacks of issue 15 (junk, half-open connections, a
 * flood from one address, a client that gives up on the certificate) while another client keeps
 * relaying.
 */
class BridgeTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;
    private BridgeCertificate certificate;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void makeCertificate() throws IOException {
        certificate = BridgeCertificate.loadOrCreate(dir.resolve("bridge"), "127.0.0.1");
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void relaysBytesBothWaysOverTls13AndTls12AndOffersHttp11ByAlpn() throws Exception {
        TestUpstream upstream = keep(TestUpstream.echo());
        Bridge bridge = bridge(upstream, config -> config);
        for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
            try (SSLSocket client = unconnectedClient()) {
                SSLParameters parameters = client.getSSLParameters();
                parameters.setProtocols(new String[] {protocol});
                parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
                client.setSSLParameters(parameters);
                client.connect(bridge.address());
                client.startHandshake();
                assertThat(client.getSession().getProtocol()).isEqualTo(protocol);
                assertThat(client.getApplicationProtocol()).isEqualTo("http/1.1");
                assertThat(echoRoundTrip(client, "hello over " + protocol)).isEqualTo("hello over " + protocol);
            }
        }
        assertThat(upstream.connections()).isEqualTo(2);
        assertThat(bridge.counters().relayed()).isEqualTo(2);
        assertThat(bridge.usesOpenSsl()).as("netty-tcnative's BoringSSL loads on linux-x86_64").isTrue();
    }

    /**
     * The bridge's OpenSSL engine keeps only a small native buffer for TLS bytes written outside a
     * wrap (Bridge.TLS_NON_APPLICATION_BUFFER_BYTES); a handshake whose certificate alone is forty
     * times that size, in both TLS versions, and a close after it, still go through whole.
     */
    @Test
    void aCertificateFarLargerThanTheEnginesSmallTlsBufferStillHandshakesRelaysAndCloses() throws Exception {
        BridgeCertificate large = largeCertificate(dir.resolve("large"), 400);
        assertThat(large.certificate().getEncoded().length).isGreaterThan(40 * Bridge.TLS_NON_APPLICATION_BUFFER_BYTES);
        TestUpstream upstream = keep(TestUpstream.echo());
        Bridge bridge = keep(Bridge.start(BridgeConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), upstream.address()), large));
        for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
            for (int round = 0; round < 3; round++) {
                try (SSLSocket client = (SSLSocket) trusting(large.certificate()).getSocketFactory().createSocket()) {
                    client.setSoTimeout((int) WAIT.toMillis());
                    SSLParameters parameters = client.getSSLParameters();
                    parameters.setProtocols(new String[] {protocol});
                    client.setSSLParameters(parameters);
                    client.connect(bridge.address());
                    client.startHandshake();
                    assertThat(client.getSession().getProtocol()).isEqualTo(protocol);
                    String text = "x".repeat(40_000) + " over " + protocol;
                    assertThat(echoRoundTrip(client, text)).isEqualTo(text);
                }
            }
        }
        await(() -> upstream.connections() == 6 && bridge.openConnections() == 0);
        assertThat(bridge.counters().failedHandshakes()).isZero();
    }

    /** A self-signed certificate for 127.0.0.1 that also names {@code names} long host names, in {@code folder}. */
    private static BridgeCertificate largeCertificate(Path folder, int names) throws Exception {
        Files.createDirectories(folder);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        List<GeneralName> alternatives = new ArrayList<>();
        alternatives.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        for (int i = 0; i < names; i++) {
            alternatives.add(new GeneralName(GeneralName.dNSName,
                    "host-" + i + ".a-rather-long-name-of-a-mirror.example"));
        }
        X500Name subject = new X500Name("CN=127.0.0.1");
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(subject, BigInteger.ONE,
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))), subject, pair.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(alternatives.toArray(GeneralName[]::new)));
        var certificate = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
        Path certificateFile = folder.resolve("cert.pem");
        Path keyFile = folder.resolve("key.pem");
        for (var item : List.of(Map.entry(certificateFile, (Object) certificate),
                Map.entry(keyFile, (Object) new JcaPKCS8Generator(pair.getPrivate(), null)))) {
            try (var pem = new JcaPEMWriter(Files.newBufferedWriter(item.getKey()))) {
                pem.writeObject(item.getValue());
            }
        }
        return BridgeCertificate.fromPem(certificateFile, keyFile);
    }

    @Test
    void theCertificateNamesNoParleyAndItsPinIsTheSha256OfItsPublicKey() throws Exception {
        X509Certificate served = certificate.certificate();
        assertThat(served.toString().toLowerCase()).doesNotContain("parley");
        assertThat(served.getSubjectX500Principal().getName()).isEqualTo("CN=127.0.0.1");
        assertThat(served.getNotAfter().toInstant()).isAfter(java.time.Instant.now().plus(Duration.ofDays(3000)));
        assertThat(certificate.pin()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(served.getPublicKey().getEncoded()));

        Bridge bridge = bridge(keep(TestUpstream.echo()), config -> config);
        try (SSLSocket client = client(bridge, "127.0.0.1")) {
            X509Certificate seen = (X509Certificate) client.getSession().getPeerCertificates()[0];
            assertThat(MessageDigest.getInstance("SHA-256").digest(seen.getPublicKey().getEncoded())).isEqualTo(certificate.pin());
        }
    }

    @Test
    void keepsItsCertificateAcrossRestartsAndRefusesAHalfKeptOne() throws Exception {
        BridgeCertificate again = BridgeCertificate.loadOrCreate(dir.resolve("bridge"), "another.example");
        assertThat(again.pin()).isEqualTo(certificate.pin());
        assertThat(again.certificate()).isEqualTo(certificate.certificate());

        Files.delete(dir.resolve("bridge").resolve(BridgeCertificate.KEY_FILE));
        assertThatThrownBy(() -> BridgeCertificate.loadOrCreate(dir.resolve("bridge"), "127.0.0.1"))
                .isInstanceOf(IOException.class).hasMessageContaining("remove both");
    }

    @Test
    void readsAGivenCertificateAndRefusesFilesThatAreNotPem() throws Exception {
        Path bridgeDir = dir.resolve("bridge");
        BridgeCertificate given = BridgeCertificate.fromPem(bridgeDir.resolve(BridgeCertificate.CERTIFICATE_FILE),
                bridgeDir.resolve(BridgeCertificate.KEY_FILE));
        assertThat(given.pin()).isEqualTo(certificate.pin());

        Path junk = dir.resolve("junk.pem");
        Files.write(junk, new byte[] {0, 1, 2, (byte) 0xff, '-', '-', '-'});
        Path truncated = dir.resolve("truncated.pem");
        String pem = Files.readString(bridgeDir.resolve(BridgeCertificate.CERTIFICATE_FILE));
        Files.writeString(truncated, pem.substring(0, pem.length() / 2));
        Path keyAsCertificate = bridgeDir.resolve(BridgeCertificate.KEY_FILE);
        for (Path bad : List.of(junk, truncated, keyAsCertificate)) {
            assertThatThrownBy(() -> BridgeCertificate.fromPem(bad, keyAsCertificate)).as("certificate %s", bad)
                    .isInstanceOf(IOException.class).hasMessageContaining(bad.toString());
        }
        Path certificateAsKey = bridgeDir.resolve(BridgeCertificate.CERTIFICATE_FILE);
        for (Path bad : List.of(junk, certificateAsKey)) {
            assertThatThrownBy(() -> BridgeCertificate.fromPem(certificateAsKey, bad)).as("key %s", bad)
                    .isInstanceOf(IOException.class).hasMessageContaining(bad.toString()).hasMessageNotContaining("MII");
        }
    }

    @Test
    void junkBytesAreClosedAtOnceWithoutReachingTheUpstreamOrNamingParley() throws Exception {
        TestUpstream upstream = keep(TestUpstream.echo());
        Bridge bridge = bridge(upstream, config -> config);
        byte[][] junk = {
            "GET / HTTP/1.1\r\nHost: bridge\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
            new byte[] {0x16, 0x03, 0x01, (byte) 0xff, (byte) 0xff, 1, 2, 3}, // a TLS record header claiming 64 KiB
            randomBytes(4096)};
        for (byte[] bytes : junk) {
            try (Socket socket = new Socket(bridge.address().getAddress(), bridge.address().getPort())) {
                socket.getOutputStream().write(bytes);
                byte[] answer = readUntilClosed(socket, Duration.ofSeconds(12));
                assertThat(new String(answer, StandardCharsets.ISO_8859_1).toLowerCase()).doesNotContain("parley");
            }
        }
        await(() -> bridge.counters().failedHandshakes() == junk.length && bridge.openConnections() == 0);
        assertThat(upstream.connections()).isZero();
        try (SSLSocket client = client(bridge, "127.0.0.1")) {
            assertThat(echoRoundTrip(client, "still serving")).isEqualTo("still serving");
        }
    }

    @Test
    void aHalfOpenConnectionIsClosedAfterTheHandshakeTimeoutWhileOthersRelay() throws Exception {
        TestUpstream upstream = keep(TestUpstream.echo());
        Bridge bridge = bridge(upstream, config -> config.withTimeouts(Duration.ofMillis(800), BridgeConfig.DEFAULT_IDLE_TIMEOUT));
        try (Socket silent = new Socket(bridge.address().getAddress(), bridge.address().getPort());
             SSLSocket client = client(bridge, "127.0.0.1")) {
            long start = System.nanoTime();
            readUntilClosed(silent, Duration.ofSeconds(10));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
            assertThat(echoRoundTrip(client, "unaffected")).isEqualTo("unaffected");
        }
        assertThat(bridge.counters().failedHandshakes()).isEqualTo(1);
        assertThat(upstream.connections()).isEqualTo(1);
    }

    /**
     * An upstream whose accept queue is full drops the bridge's SYNs, so the dial hangs: it fails
     * after the handshake timeout (the bridge's own timer, not Netty's), as a refusal does.
     */
    @Test
    void aDialThatTheUpstreamNeverAnswersFailsAfterTheHandshakeTimeoutWhileOthersRelay() throws Exception {
        TestUpstream working = keep(TestUpstream.echo());
        Bridge relaying = bridge(working, config -> config);
        try (ServerSocket unanswering = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> queued = new ArrayList<>();
            try {
                while (true) { // until a connect is no longer answered
                    Socket socket = new Socket();
                    queued.add(socket);
                    try {
                        socket.connect(unanswering.getLocalSocketAddress(), 300);
                    } catch (SocketTimeoutException unanswered) {
                        break;
                    }
                }
                Bridge bridge = keep(Bridge.start(BridgeConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        (InetSocketAddress) unanswering.getLocalSocketAddress()).withTimeouts(Duration.ofMillis(800),
                        BridgeConfig.DEFAULT_IDLE_TIMEOUT), certificate));
                try (SSLSocket client = client(bridge, "127.0.0.1"); SSLSocket other = client(relaying, "127.0.0.1")) {
                    long start = System.nanoTime();
                    assertThat(readUntilClosed(client, Duration.ofSeconds(10))).isEmpty();
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
                    assertThat(echoRoundTrip(other, "unaffected")).isEqualTo("unaffected");
                }
                await(() -> bridge.counters().upstreamFailures() == 1 && bridge.openConnections() == 0);
                assertThat(bridge.counters().relayed()).isZero();
            } finally {
                for (Socket socket : queued) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void aClientThatRejectsTheCertificateForAnotherNameIsClosedAndNeverReachesTheUpstream() throws Exception {
        TestUpstream upstream = keep(TestUpstream.echo());
        Bridge bridge = bridge(upstream, config -> config);
        try (Socket plain = new Socket(bridge.address().getAddress(), bridge.address().getPort());
             SSLSocket client = (SSLSocket) trustingTheBridge().getSocketFactory().createSocket(plain, "wrong.example",
                     bridge.address().getPort(), true)) {
            SSLParameters parameters = client.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            client.setSSLParameters(parameters);
            assertThatThrownBy(client::startHandshake).isInstanceOf(SSLException.class);
        }
        await(() -> bridge.counters().failedHandshakes() == 1 && bridge.openConnections() == 0);
        assertThat(upstream.connections()).isZero();
    }

    @Test
    void aFloodFromOneAddressIsCutAtItsLimitWhileAnotherAddressRelays() throws Exception {
        TestUpstream upstream = keep(TestUpstream.echo());
        Bridge bridge = bridge(upstream, config -> config.withLimits(20, 10_000));
        List<Socket> flood = new ArrayList<>();
        try {
            for (int i = 0; i < 60; i++) {
                Socket socket = new Socket();
                socket.bind(new InetSocketAddress("127.0.0.2", 0));
                socket.connect(bridge.address());
                flood.add(socket);
            }
            await(() -> bridge.counters().refusedOverLimit() == 40);
            assertThat(bridge.openConnections()).isEqualTo(20);
            int cut = 0;
            for (Socket socket : flood) {
                cut += closedWithin(socket, Duration.ofMillis(300)) ? 1 : 0;
            }
            assertThat(cut).isEqualTo(40);
            try (SSLSocket other = client(bridge, "127.0.0.3")) {
                assertThat(echoRoundTrip(other, "another address")).isEqualTo("another address");
            }
        } finally {
            for (Socket socket : flood) {
                socket.close();
            }
        }
        await(() -> bridge.openConnections() == 0);
        // A network that closed its connections may connect again.
        try (SSLSocket again = client(bridge, "127.0.0.2")) {
            assertThat(echoRoundTrip(again, "back")).isEqualTo("back");
        }
    }

    /**
     * A connection whose TLS handler cannot be made (native memory short, say) is closed and gives
     * its place under the per-address limit back: more such failures than the limit, and the
     * address still relays afterwards.
     */
    @Test
    void connectionsWhoseTlsHandlerCannotBeMadeGiveTheirPlaceUnderTheLimitBack() throws Exception {
        TestUpstream upstream = keep(TestUpstream.echo());
        SslContext working = certificate.serverContext(Bridge.tlsProvider());
        AtomicLong failuresLeft = new AtomicLong(5);
        SslContext failingAtFirst = new DelegatingSslContext(working) {
            @Override
            protected void initEngine(SSLEngine engine) {
                if (failuresLeft.getAndDecrement() > 0) {
                    ReferenceCountUtil.release(engine);
                    throw new IllegalStateException("no TLS engine (test)");
                }
            }
        };
        BridgeConfig config = BridgeConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), upstream.address()).withLimits(2, 10_000);
        Bridge bridge = keep(Bridge.start(config, failingAtFirst));
        toClose.add(() -> ReferenceCountUtil.release(working));
        for (int i = 0; i < 5; i++) {
            try (Socket socket = new Socket()) {
                socket.bind(new InetSocketAddress("127.0.0.4", 0));
                socket.connect(bridge.address());
                assertThat(closedWithin(socket, WAIT)).isTrue();
            }
        }
        await(() -> bridge.openConnections() == 0);
        assertThat(failuresLeft.get()).as("every failure was met").isZero();
        try (SSLSocket client = client(bridge, "127.0.0.4")) {
            assertThat(echoRoundTrip(client, "after the failures")).isEqualTo("after the failures");
        }
        assertThat(bridge.counters().refusedOverLimit()).isZero();
    }

    @Test
    void theTotalCapClosesConnectionsFromAnyAddressBeyondIt() throws Exception {
        Bridge bridge = bridge(keep(TestUpstream.echo()), config -> config.withLimits(20, 3));
        List<SSLSocket> held = new ArrayList<>();
        try {
            for (int i = 2; i <= 4; i++) {
                held.add(client(bridge, "127.0.0." + i));
            }
            try (Socket fourth = new Socket()) {
                fourth.bind(new InetSocketAddress("127.0.0.9", 0));
                fourth.connect(bridge.address());
                assertThat(readUntilClosed(fourth, Duration.ofSeconds(5))).isEmpty();
            }
            assertThat(bridge.counters().refusedOverLimit()).isEqualTo(1);
            assertThat(echoRoundTrip(held.get(0), "held")).isEqualTo("held");
        } finally {
            for (SSLSocket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void aConnectionThatPassesNoByteForTheIdleTimeoutIsClosedAndOneThatDoesStaysOpen() throws Exception {
        Duration idleTimeout = Duration.ofMillis(1500);
        Bridge bridge = bridge(keep(TestUpstream.echo()), config -> config.withTimeouts(BridgeConfig.DEFAULT_HANDSHAKE_TIMEOUT, idleTimeout));
        try (SSLSocket silent = client(bridge, "127.0.0.1"); SSLSocket talking = client(bridge, "127.0.0.2")) {
            assertThat(echoRoundTrip(silent, "then silence")).isEqualTo("then silence");
            long start = System.nanoTime();
            // A byte each way every half timeout, for three timeouts: never idle for one.
            for (int i = 0; System.nanoTime() - start < 3 * idleTimeout.toNanos(); i++) {
                assertThat(echoRoundTrip(talking, "still here " + i)).isEqualTo("still here " + i);
                Thread.sleep(idleTimeout.toMillis() / 2);
            }
            assertThat(readUntilClosed(silent, Duration.ofSeconds(12))).isEmpty();
            assertThat(echoRoundTrip(talking, "and after")).isEqualTo("and after");
            assertThat(bridge.counters().idleClosed()).isEqualTo(1);
        }
        await(() -> bridge.openConnections() == 0);
    }

    /**
     * The server ends its sending (a TCP FIN): the client gets every byte it sent, then the
     * bridge's close_notify; when the client then closes, so does the server's connection.
     */
    @Test
    void passesTheServersEndToTheClientAfterEverythingItSent() throws Exception {
        byte[] sent = randomBytes(100_000);
        CompletableFuture<Integer> afterItsEnd = new CompletableFuture<>();
        TestUpstream upstream = keep(TestUpstream.serving(connection -> {
            connection.getOutputStream().write(sent);
            connection.shutdownOutput();
            afterItsEnd.complete(connection.getInputStream().read());
        }));
        Bridge bridge = bridge(upstream, config -> config);
        try (SSLSocket client = client(bridge, "127.0.0.1")) {
            assertThat(client.getInputStream().readAllBytes()).isEqualTo(sent);
            client.close();
            assertThat(afterItsEnd.get(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the server's read after its FIN").isEqualTo(-1);
        }
        await(() -> bridge.openConnections() == 0);
    }

    /**
     * The client ends its sending with close_notify: the server receives every byte sent before it,
     * then a TCP FIN, and the pair closes. The bridge's OpenSSL engine (like most TLS servers)
     * treats a close_notify as the end of both directions, so a client cannot read after it; Parley's
     * clients never half-close (their WebSocket closes are whole).
     */
    @Test
    void passesTheClientsCloseNotifyToTheServerAsAFinAfterEverythingItSent() throws Exception {
        CompletableFuture<Long> received = new CompletableFuture<>();
        TestUpstream upstream = keep(TestUpstream.serving(connection -> {
            received.complete(connection.getInputStream().transferTo(OutputStream.nullOutputStream()));
            connection.getInputStream().read();
        }));
        Bridge bridge = bridge(upstream, config -> config);
        try (SSLSocket client = client(bridge, "127.0.0.1")) {
            client.getOutputStream().write(new byte[100_000]);
            client.shutdownOutput();
            assertThat(received.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(100_000);
            readUntilClosed(client, WAIT);
        }
        await(() -> bridge.openConnections() == 0);
    }

    /**
     * An upstream that does not read stops the bridge reading from the client (bounded memory), and
     * nothing is lost once it reads again.
     */
    @Test
    void aStalledUpstreamStopsTheClientWithoutTheBridgeBufferingAndLosesNothing() throws Exception {
        CountDownLatch reading = new CountDownLatch(1);
        CompletableFuture<byte[]> receivedDigest = new CompletableFuture<>();
        TestUpstream upstream = keep(TestUpstream.serving(connection -> {
            try {
                reading.await();
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                byte[] buffer = new byte[65536];
                InputStream in = connection.getInputStream();
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    digest.update(buffer, 0, n);
                }
                receivedDigest.complete(digest.digest());
            } catch (Exception e) {
                receivedDigest.completeExceptionally(e);
            }
        }));
        Bridge bridge = bridge(upstream, config -> config);
        long total = 96L << 20;
        AtomicLong written = new AtomicLong();
        MessageDigest sentDigest = MessageDigest.getInstance("SHA-256");
        try (SSLSocket client = client(bridge, "127.0.0.1")) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    Random random = new Random(7);
                    byte[] chunk = new byte[65536];
                    OutputStream out = client.getOutputStream();
                    while (written.get() < total) {
                        random.nextBytes(chunk);
                        sentDigest.update(chunk);
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                    client.shutdownOutput();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.sleep(3000);
            // Kernel socket buffers on the way hold some MiB; without backpressure the bridge would take it all.
            assertThat(written.get()).as("bytes the stalled path took").isLessThan(48L << 20);
            assertThat(writer).isNotDone();
            reading.countDown();
            writer.get(60, TimeUnit.SECONDS);
            assertThat(receivedDigest.get(60, TimeUnit.SECONDS)).isEqualTo(sentDigest.digest());
        }
    }

    private Bridge bridge(TestUpstream upstream, UnaryOperator<BridgeConfig> tune) throws Exception {
        BridgeConfig config = tune.apply(BridgeConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), upstream.address()));
        return keep(Bridge.start(config, certificate));
    }

    private <T extends AutoCloseable> T keep(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    /** A TLS client from {@code sourceAddress}, handshake done, trusting the bridge's certificate alone. */
    private SSLSocket client(Bridge bridge, String sourceAddress) throws Exception {
        SSLSocket client = unconnectedClient();
        client.bind(new InetSocketAddress(sourceAddress, 0));
        client.connect(bridge.address());
        client.startHandshake();
        return client;
    }

    private SSLSocket unconnectedClient() throws Exception {
        SSLSocket client = (SSLSocket) trustingTheBridge().getSocketFactory().createSocket();
        client.setSoTimeout((int) WAIT.toMillis());
        return client;
    }

    SSLContext trustingTheBridge() throws Exception {
        return trusting(certificate.certificate());
    }

    static SSLContext trusting(X509Certificate certificate) throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("bridge", certificate);
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static String echoRoundTrip(Socket client, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        client.getOutputStream().write(bytes);
        client.getOutputStream().flush();
        return new String(client.getInputStream().readNBytes(bytes.length), StandardCharsets.UTF_8);
    }

    /** What the peer sent until it closed (or reset) the connection; fails if it is still open after {@code wait}. */
    static byte[] readUntilClosed(Socket socket, Duration wait) throws IOException {
        socket.setSoTimeout((int) wait.toMillis());
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            InputStream in = socket.getInputStream();
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                received.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the bridge left the connection open for " + wait);
        } catch (IOException reset) {
            // a reset or a TLS alert is a close too
        }
        return received.toByteArray();
    }

    /** Whether the peer closed or reset the connection within {@code wait} (false: still open). */
    static boolean closedWithin(Socket socket, Duration wait) throws IOException {
        socket.setSoTimeout((int) wait.toMillis());
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException open) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT);
            }
            Thread.sleep(20);
        }
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new Random(length).nextBytes(bytes);
        return bytes;
    }
}
