package org.parley.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.Test;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.GetTokenKeys;
import org.parley.server.acme.AcmeCertificates;
import org.parley.server.acme.AcmeSettings;
import org.parley.server.acme.CertificateUnavailableException;
import org.parley.server.testing.Backend;
import org.parley.server.testing.Pebble;
import org.parley.server.testing.TestClient;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code --domain} against Pebble, Let's Encrypt's test CA, on loopback: a real challenge validated
 * by the CA, the certificate served to a TLS client that checks it chains to Pebble's root for the
 * name, renewal without a restart, and failures that say what to fix while serving nothing.
 */
class AcmeTest extends ServerTestBase {
    private static final String DOMAIN = "chat.example.org";
    private static final String OTHER_DOMAIN = "www.example.org";
    /** Short enough that renewal (at a third of it left) comes within the test, long enough to check the certificate first. */
    private static final Duration SHORT_VALIDITY = Duration.ofSeconds(45);
    private static final Duration LETS_ENCRYPT_VALIDITY = Duration.ofDays(90);

    @Test
    void issuesThroughHttp01ServesTheCertificateAndRenewsItWithoutARestart() throws Exception {
        int httpPort = Pebble.freePort();
        try (Pebble pebble = Pebble.start(tempDir.resolve("pebble"), httpPort, Pebble.freePort(), SHORT_VALIDITY)) {
            start(Backend.SQLITE, config -> config.withAcme(settings(pebble, DOMAIN, OTHER_DOMAIN).withHttpPort(httpPort)
                    .withCheckInterval(Duration.ofSeconds(1))), store -> store);
            int port = server.address().getPort();
            X509Certificate root = pebble.root();
            X509Certificate first = served(port, root, DOMAIN);
            assertThat(served(port, root, OTHER_DOMAIN)).as("one certificate names both").isEqualTo(first);
            assertThat(server.acmeCertificate()).contains(first);
            for (String file : List.of("account-key.pem", "certificate-key.pem")) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tempDir.resolve("acme").resolve(file))))
                        .as(file).isEqualTo("rw-------");
            }
            TestClient alice = TestClient.connect(URI.create("wss://127.0.0.1:" + port + "/v1/ws"),
                    // The name was checked above; this connection goes to the IP address.
                    SslContextBuilder.forClient().trustManager(root).endpointIdentificationAlgorithm(null).build());
            assertThat(alice.register("alice", randomBytes(32), null).hasAuthenticated()).isTrue();

            X509Certificate renewed = awaitRenewal(port, root, first, pebble);
            assertThat(renewed.getNotAfter()).isAfter(first.getNotAfter());
            assertThat(server.acmeCertificate()).contains(renewed);
            assertThat(alice.request(ClientFrame.newBuilder().setGetTokenKeys(GetTokenKeys.getDefaultInstance())).hasTokenKeys())
                    .as("a connection opened before the renewal keeps working").isTrue();
            alice.close();
        }
    }

    @Test
    void thePlainHttpPortAnswersChallengesOnlyAndRedirectsTheRestToHttps() throws Exception {
        int httpPort = Pebble.freePort();
        try (Pebble pebble = Pebble.start(tempDir.resolve("pebble"), httpPort, Pebble.freePort(), LETS_ENCRYPT_VALIDITY)) {
            start(Backend.SQLITE, config -> config.withAcme(settings(pebble, DOMAIN).withHttpPort(httpPort)), store -> store);
            int port = server.address().getPort();
            HttpClient plain = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
            HttpResponse<String> page = plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/chat?x=1"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(301);
            assertThat(page.headers().firstValue("Location")).contains("https://" + DOMAIN + ":" + port + "/chat");
            assertThat(rawExchange(httpPort, "GET //evil.example/x HTTP/1.1\r\nHost: evil.example\r\n\r\n"))
                    .as("our own name, not the Host header's").contains("\r\nlocation: https://" + DOMAIN + ":" + port + "//evil.example/x\r\n");
            HttpResponse<String> unknown = plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                    + "/.well-known/acme-challenge/" + "A".repeat(43))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(rawExchange(httpPort, "GET /" + "x".repeat(10_000) + " HTTP/1.1\r\nHost: a\r\n\r\n")).startsWith("HTTP/1.1 400");
            assertThat(rawExchange(httpPort, "\u0000\u0001\u0002 junk\r\n\r\n")).startsWith("HTTP/1.1 400");
            assertThat(rawExchange(httpPort, "GET /.well-known/acme-challenge/../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n"))
                    .startsWith("HTTP/1.1 404");
        }
    }

    @Test
    void validatesThroughTlsAlpn01AndAfterARestartWithTheCaGoneServesTheStoredCertificateThroughFailedRenewals() throws Exception {
        int tlsPort = Pebble.freePort();
        X509Certificate issued;
        X509Certificate root;
        // Nothing listens where Pebble would validate HTTP-01: only TLS-ALPN-01 on the TLS port can succeed.
        try (Pebble pebble = Pebble.start(tempDir.resolve("pebble"), Pebble.freePort(), tlsPort, SHORT_VALIDITY)) {
            start(Backend.SQLITE, config -> config.withListen("127.0.0.1", tlsPort).withAcme(settings(pebble, DOMAIN).withHttpPort(0)),
                    store -> store);
            assertThat(server.acmeHttpAddress()).as("no plain-HTTP listener with --acme-http-port 0").isEmpty();
            root = pebble.root();
            issued = served(tlsPort, root, DOMAIN);
        }
        server.close();
        harness.close();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger acmeLog = (Logger) LoggerFactory.getLogger(AcmeCertificates.class);
        acmeLog.addAppender(logs);
        try {
            URI caGone = URI.create("https://127.0.0.1:" + Pebble.freePort() + "/dir");
            start(Backend.SQLITE, config -> config.withAcme(AcmeSettings.forDomains(List.of(DOMAIN), tempDir.resolve("acme"))
                    .withDirectory(caGone).withHttpPort(0).withCheckInterval(Duration.ofSeconds(1))), store -> store);
            assertThat(served(server.address().getPort(), root, DOMAIN)).as("the stored certificate, with the CA gone").isEqualTo(issued);
            // Once a third of its validity is left, renewing fails (no CA): logged, retried, and the stored one keeps serving.
            String failure = awaitLog(logs, "renewing the certificate failed");
            assertThat(failure).contains("the current one keeps serving until it expires at " + issued.getNotAfter().toInstant())
                    .contains("cannot get a certificate: cannot reach the ACME CA at " + caGone);
            assertThat(server.acmeCertificate()).contains(issued);
        } finally {
            acmeLog.detachAppender(logs);
        }
    }

    @Test
    void aChallengeTheCaCannotReachIsAOneLineErrorAndNothingIsServed() throws Exception {
        int nobodyListens = Pebble.freePort();
        int httpPort = Pebble.freePort();
        int tlsPort = Pebble.freePort();
        try (Pebble pebble = Pebble.start(tempDir.resolve("pebble"), nobodyListens, Pebble.freePort(), LETS_ENCRYPT_VALIDITY)) {
            assertThatThrownBy(() -> start(Backend.SQLITE, config -> config.withListen("127.0.0.1", tlsPort)
                    .withAcme(settings(pebble, DOMAIN).withHttpPort(httpPort)), store -> store))
                    .isInstanceOf(CertificateUnavailableException.class)
                    .hasMessageStartingWith("cannot get a certificate: the CA cannot connect to " + DOMAIN + " for http-01 on port "
                            + httpPort + ": open port " + httpPort)
                    .hasMessageContaining("(CA: ")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
        for (int port : new int[] {tlsPort, httpPort}) {
            assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).as("port %d closed", port).isInstanceOf(ConnectException.class);
        }
        assertThat(tempDir.resolve("acme").resolve("certificate.pem")).doesNotExist();
    }

    @Test
    void anUnreachableCaIsAOneLineErrorNamingIt() throws Exception {
        URI nowhere = URI.create("https://127.0.0.1:" + Pebble.freePort() + "/dir");
        int httpPort = Pebble.freePort();
        assertThatThrownBy(() -> start(Backend.SQLITE, config -> config.withAcme(AcmeSettings.forDomains(List.of(DOMAIN),
                tempDir.resolve("acme")).withDirectory(nowhere).withHttpPort(httpPort)), store -> store))
                .isInstanceOf(CertificateUnavailableException.class)
                .hasMessageStartingWith("cannot get a certificate: cannot reach the ACME CA at " + nowhere + " (")
                .hasMessageContaining("check this machine's outgoing HTTPS");
    }

    @Test
    void aPlainHttpPortTheServerCannotHaveNamesTheFlagsThatChangeIt() throws Exception {
        long threadsBefore = serverThreads();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> start(Backend.SQLITE, config -> config.withAcme(AcmeSettings.forDomains(List.of(DOMAIN),
                    tempDir.resolve("acme")).withHttpPort(taken.getLocalPort())), store -> store))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " for the ACME HTTP-01 challenge: ")
                    .hasMessageContaining("choose another with --acme-http-port, or 0 to validate with TLS-ALPN-01");
        }
        // The failed start stopped what it started: no readiness check goes on polling the closed store.
        assertServerThreadsBackTo(threadsBefore);
    }

    private AcmeSettings settings(Pebble pebble, String... domains) {
        return AcmeSettings.forDomains(List.of(domains), tempDir.resolve("acme")).withDirectory(pebble.directoryUrl())
                .withDirectoryTrust(pebble.httpsCertificate());
    }

    private static String awaitLog(ListAppender<ILoggingEvent> logs, String start) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            for (ILoggingEvent event : List.copyOf(logs.list)) {
                if (event.getFormattedMessage().startsWith(start)) {
                    return event.getFormattedMessage();
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("nothing logged starting with '" + start + "' within 2 minutes");
    }

    private static X509Certificate served(int port, X509Certificate root, String domain) throws Exception {
        return Pebble.servedCertificate(port, root, domain);
    }

    private static X509Certificate awaitRenewal(int port, X509Certificate root, X509Certificate first, Pebble pebble) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            X509Certificate now = served(port, root, DOMAIN);
            if (!now.getSerialNumber().equals(first.getSerialNumber())) {
                return now;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no renewed certificate within 3 minutes (the first one expires at " + first.getNotAfter() + "):\n"
                + pebble.log());
    }

    /** Sends {@code request} as raw bytes to the plain-HTTP port and reads what comes back until the server closes. */
    private static String rawExchange(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
