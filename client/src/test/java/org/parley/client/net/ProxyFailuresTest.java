package org.parley.client.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A proxy that cannot be reached, refuses, answers junk, stops half way, says nothing or talks
 * without end: each gives a message that says what to fix, within the timeout, and the client
 * never hangs. None of these reaches a server: the endpoint's name resolves nowhere.
 */
class ProxyFailuresTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    /** Long enough for a busy machine, short enough that a hang would show. */
    private static final long GIVE_UP_MILLIS = 3 * TIMEOUT.toMillis() + 2_000;
    private static final Endpoint NOWHERE = Endpoint.direct(new ServerAddress("parley-server.test", 443, true));

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @ParameterizedTest
    @EnumSource(TestProxy.Kind.class)
    void aProxyThatIsNotThereIsNamedAsTheProblem(TestProxy.Kind kind) throws IOException {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        assertThat(failure(route(kind, port))).contains("cannot reach the proxy").contains("127.0.0.1:" + port)
                .contains("--proxy");
    }

    @ParameterizedTest
    @EnumSource(TestProxy.Kind.class)
    void aProxyThatRefusesTheServerSaysSo(TestProxy.Kind kind) throws InterruptedException {
        try (TestProxy proxy = TestProxy.start(kind, Map.of())) {
            assertThat(failure(proxy.route())).contains("refused to connect to parley-server.test:443");
            assertThat(proxy.requests()).containsExactly(new TestProxy.Request("parley-server.test", true, 443));
        }
    }

    @ParameterizedTest
    @EnumSource(TestProxy.Kind.class)
    void junkInsteadOfAProxysAnswerIsAnError(TestProxy.Kind kind) throws Exception {
        byte[] junk = new byte[4096];
        new Random(15).nextBytes(junk);
        try (FakeProxy proxy = new FakeProxy((in, out) -> {
            in.read(new byte[512]);
            out.write(junk);
            out.flush();
            in.read(new byte[512]);
        })) {
            assertThat(failure(route(kind, proxy.port()))).contains("proxy").contains("parley-server.test:443");
        }
    }

    @ParameterizedTest
    @EnumSource(TestProxy.Kind.class)
    void aProxyThatClosesHalfWayIsAnError(TestProxy.Kind kind) throws Exception {
        byte[] half = kind == TestProxy.Kind.SOCKS5 ? new byte[] {5} : "HTTP/1.1 200 Conn".getBytes(StandardCharsets.US_ASCII);
        try (FakeProxy proxy = new FakeProxy((in, out) -> {
            in.read(new byte[512]);
            out.write(half);
            out.flush();
        })) {
            assertThat(failure(route(kind, proxy.port()))).contains("proxy").contains("parley-server.test:443");
        }
    }

    @ParameterizedTest
    @EnumSource(TestProxy.Kind.class)
    void aSilentProxyTimesOut(TestProxy.Kind kind) throws Exception {
        try (FakeProxy proxy = new FakeProxy((in, out) -> {
            while (in.read(new byte[512]) >= 0) {
                // Reads everything, answers nothing.
            }
        })) {
            assertThat(failure(route(kind, proxy.port()))).contains("proxy").contains("parley-server.test:443");
        }
    }

    @Test
    void anHttpProxyThatSendsHeadersWithoutEndIsCutOff() throws Exception {
        try (FakeProxy proxy = new FakeProxy((in, out) -> {
            in.read(new byte[512]);
            out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] header = "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 100_000; i++) {
                out.write(header);
            }
        })) {
            assertThat(failure(new Route.HttpConnect("127.0.0.1", proxy.port()))).contains("proxy").contains("parley-server.test:443");
        }
    }

    @Test
    void aSocks5ProxyThatAsksForAPasswordIsRefusedClearly() throws Exception {
        try (FakeProxy proxy = new FakeProxy((in, out) -> {
            in.read(new byte[512]);
            out.write(new byte[] {5, 2}); // username/password, which was not offered
            out.flush();
            in.read(new byte[512]);
        })) {
            assertThat(failure(new Route.Socks5("127.0.0.1", proxy.port()))).contains("proxy").contains("parley-server.test:443");
        }
    }

    private static Route route(TestProxy.Kind kind, int port) {
        return kind == TestProxy.Kind.SOCKS5 ? new Route.Socks5("127.0.0.1", port) : new Route.HttpConnect("127.0.0.1", port);
    }

    /** Opens a connection along {@code route} and returns the error's message, checking that it came in time. */
    private String failure(Route route) {
        long start = System.nanoTime();
        Throwable[] thrown = new Throwable[1];
        assertThatThrownBy(() -> Connection.open(NOWHERE, new Dialer(route, group, TIMEOUT), push -> { }, () -> { }))
                .isInstanceOf(ConnectionException.class).satisfies(e -> thrown[0] = e);
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(took).as("the failure came without hanging (ms)").isLessThan(GIVE_UP_MILLIS);
        System.out.println("[proxy failure] " + route + " after " + took + " ms: " + thrown[0].getMessage());
        return thrown[0].getMessage();
    }

    /** What a fake proxy does with one client connection. */
    private interface Script {
        void run(InputStream in, OutputStream out) throws IOException;
    }

    /** A "proxy" that runs a script on each connection, on 127.0.0.1. */
    private static final class FakeProxy implements AutoCloseable {
        private final ServerSocket listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        private final Thread acceptor;

        FakeProxy(Script script) throws IOException {
            acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try (Socket client = listener.accept()) {
                        script.run(client.getInputStream(), client.getOutputStream());
                    } catch (IOException e) {
                        // The client gave up or the test ended: the next connection, if any.
                    }
                }
            }, "fake-proxy");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            listener.close();
            acceptor.join(5_000);
        }
    }
}
