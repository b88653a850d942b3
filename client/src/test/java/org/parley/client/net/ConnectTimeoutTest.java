package org.parley.client.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.client.testnet.SynBlackhole;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An address that drops SYNs is given up after the connect timeout, not the request timeout, so
 * a client moves on to its next address in seconds.
 */
class ConnectTimeoutTest {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @Test
    void theBlackholeReallyDropsSyns() throws Exception {
        try (SynBlackhole blackhole = SynBlackhole.on(0); Socket socket = new Socket()) {
            assertThatThrownBy(() -> socket.connect(blackhole.address(), 1500)).isInstanceOf(java.net.SocketTimeoutException.class);
        }
    }

    @Test
    void aDialToAnAddressThatDropsSynsFailsAfterTheConnectTimeoutNamingTheServer() throws Exception {
        try (SynBlackhole blackhole = SynBlackhole.on(0)) {
            ServerAddress server = new ServerAddress("127.0.0.1", blackhole.address().getPort(), false);
            Dialer dialer = new Dialer(new Route.Direct(), group, REQUEST_TIMEOUT, Duration.ofMillis(700));
            long start = System.nanoTime();
            CompletableFuture<Void> ready = dialer.dial(Endpoint.direct(server), pipeline -> { }).ready();
            assertThatThrownBy(() -> ready.get(REQUEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(ConnectionException.class).hasMessageContaining("127.0.0.1:" + server.port());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).as("gave up at the connect timeout").isGreaterThanOrEqualTo(Duration.ofMillis(650))
                    .isLessThan(REQUEST_TIMEOUT.dividedBy(3));
        }
    }

    @Test
    void theDefaultConnectTimeoutIsAFewSecondsAndNeverLongerThanTheRequestTimeout() throws Exception {
        assertThat(Dialer.CONNECT_TIMEOUT).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(4));
        try (SynBlackhole blackhole = SynBlackhole.on(0)) {
            ServerAddress server = new ServerAddress("127.0.0.1", blackhole.address().getPort(), false);
            Duration shortRequests = Duration.ofMillis(800);
            long start = System.nanoTime();
            CompletableFuture<Void> ready = new Dialer(new Route.Direct(), group, shortRequests).dial(Endpoint.direct(server), pipeline -> { }).ready();
            assertThatThrownBy(() -> ready.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Dialer.CONNECT_TIMEOUT);
        }
    }

    @Test
    void aRefusingAddressStillFailsAtOnce() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        ServerAddress server = new ServerAddress("127.0.0.1", port, false);
        CompletableFuture<Void> ready = new Dialer(new Route.Direct(), group, REQUEST_TIMEOUT).dial(Endpoint.direct(server), pipeline -> { }).ready();
        assertThatThrownBy(() -> ready.get(Dialer.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isInstanceOf(ExecutionException.class);
    }
}
