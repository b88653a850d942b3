package org.parley.cli;

import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.net.BridgeLink;
import org.parley.client.net.ServerAddress;
import org.parley.server.bridge.TestUpstream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.cli.MainTest.parley;

/** {@code parley proxy} as its operator and its users meet it: a process that prints a link, and the link that works. */
class ProxyCommandTest {
    private static final String CLIENT_ADDRESS = "127.0.0.5";

    @TempDir
    Path dir;
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    void printsALinkWithThePinOfTheServedCertificateAndItsQrCodeAndKeepsThemAcrossRestarts() throws Exception {
        try (TestUpstream upstream = TestUpstream.echo()) {
            String to = "127.0.0.1:" + upstream.address().getPort();
            Started first = start(to, "--server", "https://chat.example.org:8443");
            BridgeLink link = BridgeLink.parse(first.link);
            assertThat(link.host()).isEqualTo("127.0.0.1");
            assertThat(link.port()).isEqualTo(first.port);
            assertThat(link.server()).contains(ServerAddress.parse("https://chat.example.org:8443"));
            assertThat(TerminalQrCodeTest.decode(first.qrCode)).isEqualTo(first.link);

            try (SSLSocket client = connect(first.port)) {
                X509Certificate served = (X509Certificate) client.getSession().getPeerCertificates()[0];
                assertThat(MessageDigest.getInstance("SHA-256").digest(served.getPublicKey().getEncoded())).isEqualTo(link.pin().get());
                client.getOutputStream().write("through the bridge".getBytes(StandardCharsets.UTF_8));
                assertThat(new String(client.getInputStream().readNBytes(18), StandardCharsets.UTF_8)).isEqualTo("through the bridge");
            }
            first.process.destroy();
            assertThat(first.process.waitFor(20, TimeUnit.SECONDS)).isTrue();

            Started second = start(to, "--server", "https://chat.example.org:8443");
            assertThat(BridgeLink.parse(second.link).pin().get()).isEqualTo(link.pin().get());
        }
    }

    @Test
    void logsNoClientAddressEvenVerboseOnlyCounts() throws Exception {
        try (TestUpstream upstream = TestUpstream.echo()) {
            Started bridge = start("127.0.0.1:" + upstream.address().getPort(), "--verbose", "--max-connections-per-address", "2");
            try (SSLSocket relayed = connect(bridge.port); SSLSocket second = connect(bridge.port)) {
                relayed.getOutputStream().write(1);
                assertThat(relayed.getInputStream().read()).isEqualTo(1);
                try (Socket refused = plainFrom(CLIENT_ADDRESS, bridge.port)) {
                    awaitClosedByTheBridge(refused); // over the limit of 2 per address
                }
            }
            try (Socket junk = plainFrom("127.0.0.6", bridge.port)) {
                junk.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                awaitClosedByTheBridge(junk);
            }
            bridge.process.destroy();
            assertThat(bridge.process.waitFor(20, TimeUnit.SECONDS)).isTrue();
            String log = Files.readString(bridge.errors);
            assertThat(log).contains("bridge stopped: accepted 3, relayed 2, refused over a limit 1, failed handshakes 1");
            assertThat(log).doesNotContain("127.0.0.5").doesNotContain("127.0.0.6");
        }
    }

    /**
     * {@code --to http://} names a server without TLS: the link names it so, and a browser's plain
     * HTTP reaches it as it comes (here an echo), where a server with TLS would get it inside the
     * bridge's own TLS.
     */
    @Test
    void aServerWithoutTlsIsGivenAsHttpAndBrowsersReachItAsTheyCome() throws Exception {
        try (TestUpstream upstream = TestUpstream.echo()) {
            String to = "http://127.0.0.1:" + upstream.address().getPort();
            Started bridge = start(to);
            assertThat(BridgeLink.parse(bridge.link).server()).contains(ServerAddress.parse(to));
            try (SSLSocket browser = connect(bridge.port)) {
                byte[] request = "GET /v1/ws/tunnel HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
                browser.getOutputStream().write(request);
                assertThat(browser.getInputStream().readNBytes(request.length)).isEqualTo(request);
            }
        }
    }

    @Test
    void badOptionsAreUserErrors() {
        MainTest.Result noTarget = parley("proxy", "--listen", "127.0.0.1:0");
        assertThat(noTarget.code()).isEqualTo(2);
        assertThat(noTarget.err()).contains("--to");
        MainTest.Result noPort = parley("proxy", "--to", "chat.example.org", "--data", dir.toString());
        assertThat(noPort.code()).isEqualTo(1);
        assertThat(noPort.err()).contains("--to takes HOST:PORT");
        MainTest.Result bareIpv6 = parley("proxy", "--to", "::1:443", "--data", dir.toString());
        assertThat(bareIpv6.err()).contains("--to takes HOST:PORT");
        MainTest.Result badListen = parley("proxy", "--listen", "127.0.0.1:70000", "--to", "127.0.0.1:1", "--data", dir.toString());
        assertThat(badListen.err()).contains("--listen takes [HOST:]PORT");
        MainTest.Result halfCertificate = parley("proxy", "--to", "127.0.0.1:1", "--cert", "x.pem", "--data", dir.toString());
        assertThat(halfCertificate.err()).contains("give both --cert");
        MainTest.Result notPem = parley("proxy", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:1", "--cert", "pom.xml", "--key", "pom.xml");
        assertThat(notPem.code()).isEqualTo(1);
        assertThat(notPem.err()).contains("cannot use the bridge's certificate").contains("pom.xml");
    }

    private record Started(Process process, int port, String link, List<String> qrCode, Path errors) {
    }

    private Started start(String to, String... more) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "proxy", "--listen", "127.0.0.1:0", "--to", to, "--data", dir.resolve("bridge").toString()));
        command.addAll(List.of(more));
        Path errors = Files.createTempFile(dir, "proxy", ".err");
        Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
        processes.add(process);
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (java.io.IOException ended) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        String first = lines.poll(60, TimeUnit.SECONDS);
        assertThat(first).as("first line (errors: %s)", errors).matches("Parley bridge listening on 127\\.0\\.0\\.1:\\d+, relaying to " + to);
        int port = Integer.parseInt(first.replaceAll(".*127\\.0\\.0\\.1:(\\d+), relaying.*", "$1"));
        String link = null;
        List<String> qrCode = new ArrayList<>();
        for (String line = lines.poll(10, TimeUnit.SECONDS); line != null; line = lines.poll(1, TimeUnit.SECONDS)) {
            if (line.startsWith(BridgeLink.PREFIX)) {
                link = line;
            } else if (link != null) {
                qrCode.add(line);
            }
        }
        assertThat(link).as("the bridge link").isNotNull();
        return new Started(process, port, link, qrCode, errors);
    }

    /** A TLS connection from {@link #CLIENT_ADDRESS} that accepts any certificate: the test checks the pin itself. */
    private static SSLSocket connect(int port) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
        SSLSocket client = (SSLSocket) context.getSocketFactory().createSocket();
        client.setSoTimeout(20_000);
        client.bind(new InetSocketAddress(CLIENT_ADDRESS, 0));
        client.connect(new InetSocketAddress("127.0.0.1", port));
        client.startHandshake();
        return client;
    }

    /** Reads until the bridge closes or resets the connection; the socket's read timeout fails the test. */
    private static void awaitClosedByTheBridge(Socket socket) throws Exception {
        try {
            socket.getInputStream().readAllBytes();
        } catch (java.net.SocketException reset) {
            // a reset is a close too
        }
    }

    private static Socket plainFrom(String source, int port) throws Exception {
        Socket socket = new Socket();
        socket.setSoTimeout(20_000);
        socket.bind(new InetSocketAddress(source, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port));
        return socket;
    }
}
