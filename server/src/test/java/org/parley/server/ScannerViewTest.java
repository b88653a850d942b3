package org.parley.server;

import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;
import org.parley.server.transport.HttpRouter;
import org.parley.server.web.WebApp;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What someone who is not signed in learns by scanning a server whose WebSocket was moved with
 * {@code --ws-path}: nothing in any answer names Parley (the web app's own page at "/" aside), the
 * WebSocket's path answers a half-made upgrade exactly as an unknown path does, the old path is
 * gone, the TLS handshake carries only the operator's certificate and no application protocol, and
 * the server never speaks first. After all of it a real client still signs in.
 */
class ScannerViewTest extends ServerTestBase {
    private static final String HIDDEN_PATH = "/c/7f3kq";
    private static final String NEUTRAL_NAME = "chat.example";
    private static final int HANDSHAKE_TIMEOUT_MILLIS = 15_000;
    /** An answer is complete when the server closes, or has sent nothing more for this long (a WebSocket stays open). */
    private static final int QUIET_MILLIS = 2_000;
    private SSLContext trustAll;

    @BeforeEach
    void startBehindTls() throws Exception {
        Path cert = tempDir.resolve("cert.pem");
        Path key = tempDir.resolve("key.pem");
        TlsTest.writeSelfSigned(cert, key, NEUTRAL_NAME);
        // No metrics token: /metrics must then look like any unknown path.
        start(Backend.SQLITE, config -> config.withTls(new ServerConfig.Tls(cert, key))
                .withEdge(ServerConfig.Edge.defaults().withWebSocketPath(HIDDEN_PATH)), store -> store);
        trustAll = SSLContext.getInstance("TLS");
        trustAll.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), new SecureRandom());
    }

    @Test
    void probesOfPathsGetAPlainNotFoundThatNamesNothing() throws Exception {
        String key = Base64.getEncoder().encodeToString(new byte[16]);
        List<String> probes = new ArrayList<>(List.of(
                get("/v1/ws"),
                get("/v1/ws", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"),
                get(HIDDEN_PATH),
                get(HIDDEN_PATH, "Upgrade: websocket", "Connection: Upgrade"),
                get(HIDDEN_PATH + "/", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: " + key,
                        "Sec-WebSocket-Version: 13"),
                request("POST", HIDDEN_PATH), get("/metrics"), get("/wp-login.php"), get("/.env"), get("/admin"),
                get("/v1/attachments"), request("POST", "/"), request("OPTIONS", "/"), request("DELETE", "/x"),
                get("/%2e%2e/%2e%2e/etc/passwd"), get("/" + "a".repeat(3000))));
        for (String probe : probes) {
            String answer = tlsExchange(probe.getBytes(StandardCharsets.ISO_8859_1));
            String target = probe.substring(0, probe.indexOf('\r'));
            assertThat(answer).as(target).startsWith("HTTP/1.1 404 Not Found\r\n").endsWith("\r\n\r\nnot found\n");
            assertNamesNothing(target, answer);
        }
    }

    @Test
    void theRootIsTheAppAndTellsItWhereTheWebSocketIs() throws Exception {
        String root = tlsExchange(get("/").getBytes(StandardCharsets.ISO_8859_1));
        assertThat(root).startsWith("HTTP/1.1 200 OK\r\n");
        String head = root.substring(0, root.indexOf("\r\n\r\n")).toLowerCase(Locale.ROOT);
        assertThat(head).as("no Server header").doesNotContain("\r\nserver:").doesNotContain("parley");
        if (WebApp.onClassPath()) {
            // The page at "/" is the app, titled as the app: see the README's "Behind a reverse proxy".
            assertThat(root).contains("<meta name=\"parley-ws\" content=\"" + HIDDEN_PATH + "\" />")
                    .contains("<meta name=\"parley-server-key\" content=\""
                            + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(server.publicKey()) + "\" />");
        }
    }

    @Test
    void junkAndPlainHttpAtTheTlsPortGetNoWordsBack() throws Exception {
        byte[] junk = new byte[2048];
        new SecureRandom().nextBytes(junk);
        for (byte[] probe : List.of(get("/").getBytes(StandardCharsets.ISO_8859_1), junk,
                "\u0016\u0003\u0001\u0000\u0005hello".getBytes(StandardCharsets.ISO_8859_1))) {
            assertNamesNothing("plain bytes at the TLS port", new String(plainExchange(probe), StandardCharsets.ISO_8859_1));
        }
        String garbled = tlsExchange("\u0000\u0001 nonsense\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertNamesNothing("junk inside TLS", garbled);
    }

    @Test
    void theServerNeverSpeaksFirstAndItsHandshakeCarriesOnlyTheOperatorsCertificate() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", server.address().getPort()), 5_000);
            socket.setSoTimeout(1_500);
            assertThatThrownBy(() -> socket.getInputStream().read()).as("a fresh connection waits for the client")
                    .isInstanceOf(SocketTimeoutException.class);
        }
        try (SSLSocket socket = (SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", server.address().getPort())) {
            socket.startHandshake();
            var session = socket.getSession();
            assertThat(((X509Certificate) session.getPeerCertificates()[0]).getSubjectX500Principal().getName())
                    .isEqualTo("CN=" + NEUTRAL_NAME);
            assertThat(session.getPeerCertificates()).hasSize(1);
            assertThat(socket.getApplicationProtocol()).as("no ALPN name").isEmpty();
        }
    }

    @Test
    void theMovedWebSocketAnswersAnUpgradeWithoutASubprotocolAndStillServesClients() throws Exception {
        String key = Base64.getEncoder().encodeToString(new byte[16]);
        String upgrade = tlsExchange(get(HIDDEN_PATH, "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: " + key,
                "Sec-WebSocket-Version: 13").getBytes(StandardCharsets.ISO_8859_1));
        assertThat(upgrade).startsWith("HTTP/1.1 101 Switching Protocols\r\n");
        assertThat(upgrade.toLowerCase(Locale.ROOT)).doesNotContain("sec-websocket-protocol");
        assertNamesNothing("the upgrade and the first frame", upgrade);

        var ssl = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        URI moved = URI.create("wss://127.0.0.1:" + server.address().getPort() + HIDDEN_PATH);
        try (TestClient client = TestClient.connect(moved, ssl)) {
            assertThat(client.register("alice", randomBytes(32), null).hasAuthenticated()).isTrue();
        }
        URI old = URI.create("wss://127.0.0.1:" + server.address().getPort() + HttpRouter.DEFAULT_WEBSOCKET_PATH);
        assertThatThrownBy(() -> TestClient.connect(old, ssl).close()).as("the default path is gone").isInstanceOf(Exception.class);
    }

    @Test
    void aWebSocketPathMustBePlainAndFree() {
        for (String bad : List.of("", "/", "v1/ws", "//ws", "/ws/", "/a/../ws", "/./ws", "/w s", "/ws?x=1", "/ws\"><script>",
                "/%2e%2e", "/healthz", "/metrics", "/v1/attachments", "/v1/attachments/x", "/" + "w".repeat(300))) {
            assertThatThrownBy(() -> ServerConfig.Edge.defaults().withWebSocketPath(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("WebSocket path");
        }
        assertThat(ServerConfig.Edge.defaults().withWebSocketPath("/a-b/c.d_e~f/9").webSocketPath()).isEqualTo("/a-b/c.d_e~f/9");
    }

    /** No "parley" anywhere, and no Server header naming the software. */
    private void assertNamesNothing(String what, String answer) {
        assertThat(answer.toLowerCase(Locale.ROOT)).as(what + ":\n" + answer).doesNotContain("parley").doesNotContain("\r\nserver:");
    }

    private static String get(String target, String... headers) {
        return request("GET", target, headers);
    }

    private static String request(String method, String target, String... headers) {
        StringBuilder request = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: ")
                .append(NEUTRAL_NAME).append("\r\nConnection: close\r\n");
        for (String header : headers) {
            request.append(header).append("\r\n");
        }
        return request.append("\r\n").toString();
    }

    /** Writes {@code request} inside TLS and reads until the server closes or stays quiet. */
    private String tlsExchange(byte[] request) throws IOException {
        try (SSLSocket socket = (SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", server.address().getPort())) {
            socket.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS); // a busy machine may be slow to shake hands
            socket.startHandshake();
            socket.setSoTimeout(QUIET_MILLIS);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return new String(readUntilQuiet(socket.getInputStream()), StandardCharsets.ISO_8859_1);
        }
    }

    /** Writes {@code bytes} on a plain TCP connection to the TLS port and returns whatever comes back. */
    private byte[] plainExchange(byte[] bytes) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", server.address().getPort()), 5_000);
            socket.setSoTimeout(QUIET_MILLIS);
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            return readUntilQuiet(socket.getInputStream());
        }
    }

    private static byte[] readUntilQuiet(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException quiet) {
            // the server keeps the connection open (keep-alive, or a WebSocket): what came is the answer
        } catch (IOException reset) {
            // a reset after a refused handshake: what came before it is the answer
        }
        return out.toByteArray();
    }
}
