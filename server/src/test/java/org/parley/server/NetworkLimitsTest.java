package org.parley.server;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.protocol.v1.Error;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;
import org.parley.server.transport.ProxyHeaders;
import org.parley.server.transport.TrustedProxies;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Registrations per network, as the server sees the client: the TCP peer, a trusted proxy's
 * X-Forwarded-For, or a PROXY protocol header, each through a live server and real sockets.
 */
class NetworkLimitsTest extends ServerTestBase {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private final List<Relay> relays = new ArrayList<>();

    private final List<TestClient> clients = new ArrayList<>();

    private static UnaryOperator<ServerConfig> oneRegistrationPerHour(ServerConfig.Edge edge) {
        return config -> config.withLimits(config.limits().withRegistrationsPerHour(1)).withEdge(edge);
    }

    @Test
    void aForgedForwardedForFromAnUntrustedPeerIsIgnored() throws Exception {
        start(Backend.SQLITE, oneRegistrationPerHour(ServerConfig.Edge.defaults()), store -> store);
        assertThat(register(forwardedFor("198.51.100.1")).hasAuthenticated()).isTrue();
        Error second = register(forwardedFor("198.51.100.2")).getError();
        assertThat(second.getCode()).as("both come from 127.0.0.1, whatever they claim").isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(second.getMessage()).contains("too many registrations from your network");
        assertThat(Duration.ofMillis(second.getRetryAfterMs())).isBetween(Duration.ofMinutes(59), Duration.ofMinutes(60));
    }

    @Test
    void behindATrustedProxyEachClientNetworkHasItsOwnLimitAndIpv6CountsBySlash64() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try {
            registerBehindATrustedProxy();
        } finally {
            root.detachAppender(logs);
        }
        // The addresses were read, used as keys in memory, and written nowhere.
        for (ILoggingEvent event : logs.list) {
            String line = event.getFormattedMessage() + (event.getThrowableProxy() == null ? ""
                    : ThrowableProxyUtil.asString(event.getThrowableProxy()));
            assertThat(line).doesNotContain("203.0.113").doesNotContain("2001:db8");
        }
        assertThat(server.metrics().render()).doesNotContain("203.0.113").doesNotContain("2001:db8");
    }

    private void registerBehindATrustedProxy() throws Exception {
        start(Backend.SQLITE, oneRegistrationPerHour(ServerConfig.Edge.defaults()
                .withTrustedProxies(TrustedProxies.parse("127.0.0.0/8"))), store -> store);
        assertThat(register(forwardedFor("203.0.113.1")).hasAuthenticated()).isTrue();
        assertThat(register(forwardedFor("203.0.113.2")).hasAuthenticated()).as("another IPv4 address").isTrue();
        assertThat(register(forwardedFor("203.0.113.1")).getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        // The client cannot choose: what it writes left of the proxy's entry is not read.
        assertThat(register(forwardedFor("192.0.2.50, 203.0.113.1")).getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);

        assertThat(register(forwardedFor("2001:db8:1:2::1")).hasAuthenticated()).isTrue();
        assertThat(register(forwardedFor("2001:db8:1:2:dead:beef:0:7")).getError().getCode())
                .as("the same /64").isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(register(forwardedFor("2001:db8:1:3::1")).hasAuthenticated()).as("the next /64").isTrue();
        // A proxy that sent no header, or an unreadable one: the proxy itself is the client.
        assertThat(register(forwardedFor("not an address")).hasAuthenticated()).isTrue();
        assertThat(register(connect()).getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
    }

    @Test
    void aProxyProtocolHeaderNamesTheClient() throws Exception {
        start(Backend.SQLITE, oneRegistrationPerHour(ServerConfig.Edge.defaults().withProxyProtocol(true)), store -> store);
        assertThat(register(viaProxy(ProxyHeaders.v2(InetAddress.getByName("203.0.113.5"), 1000))).hasAuthenticated()).isTrue();
        assertThat(register(viaProxy(ProxyHeaders.v2(InetAddress.getByName("203.0.113.5"), 1001))).getError().getCode())
                .isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(register(viaProxy(ProxyHeaders.v2(InetAddress.getByName("203.0.113.6"), 1000))).hasAuthenticated()).isTrue();
        assertThat(register(viaProxy(ProxyHeaders.v2(InetAddress.getByName("2001:db8:9:9::1"), 1))).hasAuthenticated()).isTrue();
        assertThat(register(viaProxy(ProxyHeaders.v2(InetAddress.getByName("2001:db8:9:9::2"), 1))).getError().getCode())
                .isEqualTo(ErrorCode.RATE_LIMITED);
        // A header from the proxy's own health check (LOCAL) is accepted and names nobody.
        assertThat(register(viaProxy(ProxyHeaders.v2Local())).hasAuthenticated()).isTrue();
    }

    @Test
    void withProxyProtocolAConnectionWithoutAHeaderGetsNothing() throws Exception {
        start(Backend.SQLITE, oneRegistrationPerHour(ServerConfig.Edge.defaults().withProxyProtocol(true)), store -> store);
        for (byte[] hostile : new byte[][] {
                "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                "PROXY TCP4 203.0.113.9\r\n".getBytes(StandardCharsets.US_ASCII),
                new byte[300]}) {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.address().getPort())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(hostile);
                assertThat(readAll(socket.getInputStream())).as("closed without an answer").isEmpty();
            }
        }
        // And a proxy's health check over it still works.
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.address().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(ProxyHeaders.v2(InetAddress.getByName("203.0.113.9"), 7));
            out.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readAll(socket.getInputStream())).startsWith("HTTP/1.1 200");
        }
    }

    private static String readAll(InputStream in) throws IOException {
        try {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (SocketException reset) {
            return ""; // a reset is a close too
        }
    }

    private static ServerFrame register(TestClient client) throws Exception {
        return client.register("user" + NAMES.incrementAndGet(), randomBytes(32), null);
    }

    private TestClient forwardedFor(String value) throws Exception {
        TestClient client = TestClient.connect(URI.create(baseUrl().replace("http", "ws") + "/v1/ws"), null,
                new DefaultHttpHeaders().add("X-Forwarded-For", value));
        clients.add(client);
        return client;
    }

    /** A connection through a local relay that sends {@code header} first, as a load balancer does. */
    private TestClient viaProxy(byte[] header) throws Exception {
        Relay relay = new Relay(header, server.address().getPort());
        relays.add(relay);
        TestClient client = TestClient.connect(relay.port());
        clients.add(client);
        return client;
    }

    @AfterEach
    void closeRelays() throws IOException {
        clients.forEach(TestClient::close);
        for (Relay relay : relays) {
            relay.close();
        }
    }

    /** Forwards one TCP connection to the server, prefixed with a PROXY header. */
    private static final class Relay implements AutoCloseable {
        private final ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final List<Socket> sockets = new ArrayList<>();

        Relay(byte[] header, int serverPort) throws IOException {
            Thread accept = new Thread(() -> {
                try {
                    Socket client = listener.accept();
                    Socket upstream = new Socket(InetAddress.getLoopbackAddress(), serverPort);
                    synchronized (sockets) {
                        sockets.add(client);
                        sockets.add(upstream);
                    }
                    upstream.getOutputStream().write(header);
                    pump(client, upstream);
                    pump(upstream, client);
                } catch (IOException e) {
                    // the test closed the relay
                }
            }, "proxy-relay");
            accept.setDaemon(true);
            accept.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        private static void pump(Socket from, Socket to) {
            Thread thread = new Thread(() -> {
                try {
                    from.getInputStream().transferTo(to.getOutputStream());
                } catch (IOException e) {
                    // one side closed
                } finally {
                    try {
                        to.close();
                        from.close();
                    } catch (IOException ignored) {
                        // already closed
                    }
                }
            }, "proxy-pump");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws IOException {
            listener.close();
            synchronized (sockets) {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
        }
    }
}
