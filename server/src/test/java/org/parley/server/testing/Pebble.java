package org.parley.server.testing;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Assumptions;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Let's Encrypt's test CA, Debian's {@code pebble}, with {@code pebble-challtestsrv} as its DNS
 * server answering 127.0.0.1 for every name, both on free loopback ports of their own. Pebble's
 * validation connects to {@code httpPort} (HTTP-01) and {@code tlsPort} (TLS-ALPN-01) on 127.0.0.1.
 * Tests skip without the package, with the reason; PARLEY_REQUIRE_PEBBLE=1 turns that into a failure.
 */
public final class Pebble implements AutoCloseable {
    private static final Path PEBBLE = Path.of("/usr/bin/pebble");
    private static final Path CHALLENGE_TEST_SERVER = Path.of("/usr/bin/pebble-challtestsrv");

    private final Path directory;
    private final int acmePort;
    private final int managementPort;
    private final Path httpsCertificate;
    private final List<Process> processes;

    private Pebble(Path directory, int acmePort, int managementPort, Path httpsCertificate, List<Process> processes) {
        this.directory = directory;
        this.acmePort = acmePort;
        this.managementPort = managementPort;
        this.httpsCertificate = httpsCertificate;
        this.processes = processes;
    }

    /** Skips the calling test, saying why, when Debian's pebble is not installed (fails instead with PARLEY_REQUIRE_PEBBLE=1). */
    public static void assumeInstalled() {
        boolean installed = Files.isExecutable(PEBBLE) && Files.isExecutable(CHALLENGE_TEST_SERVER);
        if (!installed && "1".equals(System.getenv("PARLEY_REQUIRE_PEBBLE"))) {
            throw new AssertionError("PARLEY_REQUIRE_PEBBLE=1 but pebble is not installed (apt-get install pebble)");
        }
        Assumptions.assumeTrue(installed, "the ACME tests need Let's Encrypt's test CA: the Debian package pebble");
    }

    /**
     * Starts both in {@code directory}.
     *
     * @param httpPort         where Pebble validates HTTP-01 on 127.0.0.1
     * @param tlsPort          where Pebble validates TLS-ALPN-01 on 127.0.0.1
     * @param validity         how long the certificates it issues are valid
     */
    public static Pebble start(Path directory, int httpPort, int tlsPort, Duration validity) throws Exception {
        assumeInstalled();
        Files.createDirectories(directory);
        Path certificate = directory.resolve("pebble-https.pem");
        Path key = directory.resolve("pebble-https-key.pem");
        writeLocalhostCertificate(certificate, key);
        int dnsPort = freeUdpAndTcpPort();
        int acmePort = freePort();
        int managementPort = freePort();
        Path config = directory.resolve("pebble.json");
        Files.writeString(config, """
                {"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",
                  "certificate": "%s", "privateKey": "%s", "httpPort": %d, "tlsPort": %d,
                  "ocspResponderURL": "", "externalAccountBindingRequired": false, "certificateValidityPeriod": %d}}
                """.formatted(acmePort, managementPort, certificate, key, httpPort, tlsPort, validity.toSeconds()));
        Process dns = new ProcessBuilder(CHALLENGE_TEST_SERVER.toString(), "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
                "-dns01", "127.0.0.1:" + dnsPort, "-http01", "", "-https01", "", "-tlsalpn01", "",
                "-management", "127.0.0.1:" + freePort())
                .redirectErrorStream(true).redirectOutput(directory.resolve("challtestsrv.log").toFile()).start();
        ProcessBuilder pebble = new ProcessBuilder(PEBBLE.toString(), "-config", config.toString(), "-dnsserver", "127.0.0.1:" + dnsPort)
                .redirectErrorStream(true).redirectOutput(directory.resolve("pebble.log").toFile());
        // No random validation delays, no rejected nonces, a fresh validation for every order.
        pebble.environment().putAll(java.util.Map.of("PEBBLE_VA_NOSLEEP", "1", "PEBBLE_WFE_NONCEREJECT", "0", "PEBBLE_AUTHZREUSE", "0"));
        Pebble started = new Pebble(directory, acmePort, managementPort, certificate, List.of(dns, pebble.start()));
        try {
            started.awaitListening();
        } catch (Exception | AssertionError e) {
            started.close();
            throw e;
        }
        return started;
    }

    /** The ACME directory URL. */
    public URI directoryUrl() {
        return URI.create("https://127.0.0.1:" + acmePort + "/dir");
    }

    /** Pebble's own HTTPS certificate (self-signed, made here): trust it for the directory, for the test only. */
    public Path httpsCertificate() {
        return httpsCertificate;
    }

    /** The root Pebble made at start, to which every certificate it issues chains. */
    public X509Certificate root() throws Exception {
        HttpResponse<byte[]> response = HttpClient.newBuilder().sslContext(trustingPebble()).build().send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + managementPort + "/roots/0")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new AssertionError("pebble's root: HTTP " + response.statusCode());
        }
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(response.body()));
    }

    /**
     * The certificate a TLS client gets for {@code domain} at 127.0.0.1:{@code port}, checked as
     * a browser checks it: chaining to {@code root}, naming {@code domain}. A fresh context every
     * time, so that no session is resumed with an older certificate.
     */
    public static X509Certificate servedCertificate(int port, X509Certificate root, String domain) throws Exception {
        KeyStore roots = KeyStore.getInstance(KeyStore.getDefaultType());
        roots.load(null, null);
        roots.setCertificateEntry("pebble-root", root);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(roots);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        try (Socket raw = new Socket("127.0.0.1", port);
             SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(raw, domain, port, true)) {
            tls.setSoTimeout(30_000);
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            parameters.setServerNames(List.of(new SNIHostName(domain)));
            tls.setSSLParameters(parameters);
            tls.startHandshake();
            return (X509Certificate) tls.getSession().getPeerCertificates()[0];
        }
    }

    /** What pebble logged, for a failing test's message. */
    public String log() throws IOException {
        return Files.readString(directory.resolve("pebble.log"));
    }

    /** A free TCP port on 127.0.0.1, for what Pebble is told to validate. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private SSLContext trustingPebble() throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("pebble", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(httpsCertificate))));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private void awaitListening() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (Process process : processes) {
                if (!process.isAlive()) {
                    throw new AssertionError("pebble exited with " + process.exitValue() + ":\n" + log()
                            + Files.readString(directory.resolve("challtestsrv.log")));
                }
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", acmePort), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("pebble did not listen on 127.0.0.1:" + acmePort + " within 30 s:\n" + log());
    }

    /** Pebble's DNS server needs its port on UDP (queries) and TCP (truncated answers). */
    private static int freeUdpAndTcpPort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            int port = freePort();
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no port free on both UDP and TCP");
    }

    private static void writeLocalhostCertificate(Path certificateFile, Path keyFile) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair pair = generator.generateKeyPair();
        X500Name name = new X500Name("CN=pebble test directory");
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), name, pair.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
        try (Writer out = Files.newBufferedWriter(certificateFile); JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(certificate);
        }
        try (Writer out = Files.newBufferedWriter(keyFile); JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(new JcaPKCS8Generator(pair.getPrivate(), null));
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process process : processes) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
