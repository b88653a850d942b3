package org.parley.client.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.testkit.LiveServer;
import org.parley.server.bridge.Bridge;
import org.parley.server.bridge.BridgeCertificate;
import org.parley.server.bridge.BridgeConfig;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One endpoint dialled through a real bridge ({@code parley proxy}'s {@link Bridge}): the link's
 * pin decides, and a wrong pin stops the connection before the bridge dials its server; a bridge
 * without a pin must show a certificate this machine trusts; a bridge can itself be reached
 * through a proxy.
 */
class BridgeDialTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path temp;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private BridgeCertificate certificate;

    @BeforeEach
    void makeCertificate() throws Exception {
        certificate = BridgeCertificate.loadOrCreate(temp.resolve("bridge"), "127.0.0.1");
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @Test
    void aPinnedBridgeLeadsToTheServer() throws Exception {
        try (LiveServer server = new LiveServer(temp.resolve("server"));
             Bridge bridge = bridgeTo(new InetSocketAddress("127.0.0.1", server.address().port()))) {
            Endpoint endpoint = new Endpoint(server.address(), Optional.of(link(bridge, certificate.pin())));
            try (Connection connection = Connection.open(endpoint, new Dialer(Route.DIRECT, group, TIMEOUT), push -> { }, () -> { })) {
                assertThat(connection.challenge()).hasSize(32);
            }
        }
    }

    @Test
    void aWrongPinIsRefusedBeforeAnyByteReachesTheServer() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             Bridge bridge = bridgeTo((InetSocketAddress) upstream.getLocalSocketAddress())) {
            byte[] wrong = certificate.pin().clone();
            wrong[0] ^= 1;
            Endpoint endpoint = new Endpoint(new ServerAddress("parley-server.test", 443, true), Optional.of(link(bridge, wrong)));
            assertThatThrownBy(() -> Connection.open(endpoint, new Dialer(Route.DIRECT, group, TIMEOUT), push -> { }, () -> { }))
                    .isInstanceOf(ConnectionException.class)
                    .hasMessageContaining("the bridge's certificate does not match the link's pin");
            upstream.setSoTimeout(500);
            assertThatThrownBy(upstream::accept).as("the bridge never dialled its server").isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void aBridgeWithoutAPinMustBeTrustedForItsName() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             Bridge bridge = bridgeTo((InetSocketAddress) upstream.getLocalSocketAddress())) {
            BridgeLink unpinned = new BridgeLink("127.0.0.1", bridge.address().getPort(), Optional.empty(), Optional.empty());
            Endpoint endpoint = new Endpoint(new ServerAddress("parley-server.test", 443, true), Optional.of(unpinned));
            assertThatThrownBy(() -> Connection.open(endpoint, new Dialer(Route.DIRECT, group, TIMEOUT), push -> { }, () -> { }))
                    .isInstanceOf(ConnectionException.class)
                    .hasMessageContaining("the TLS handshake with the bridge 127.0.0.1:" + bridge.address().getPort() + " failed");
            upstream.setSoTimeout(500);
            assertThatThrownBy(upstream::accept).isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void aBridgeIsReachedThroughAProxyByName() throws Exception {
        try (LiveServer server = new LiveServer(temp.resolve("server"));
             Bridge bridge = bridgeTo(new InetSocketAddress("127.0.0.1", server.address().port()));
             TestProxy proxy = TestProxy.start(TestProxy.Kind.SOCKS5, Map.of("bridge.test", "127.0.0.1"))) {
            BridgeLink named = new BridgeLink("bridge.test", bridge.address().getPort(), Optional.of(certificate.pin()), Optional.empty());
            Endpoint endpoint = new Endpoint(server.address(), Optional.of(named));
            try (Connection connection = Connection.open(endpoint, new Dialer(proxy.route(), group, TIMEOUT), push -> { }, () -> { })) {
                assertThat(connection.challenge()).hasSize(32);
            }
            assertThat(proxy.requests()).containsExactly(new TestProxy.Request("bridge.test", true, bridge.address().getPort()));
        }
    }

    /** A bridge to a test server, which has no TLS ({@code parley proxy --to http://}). */
    private Bridge bridgeTo(InetSocketAddress upstream) throws Exception {
        return Bridge.start(BridgeConfig.of(new InetSocketAddress("127.0.0.1", 0), upstream).withPlainUpstream(), certificate);
    }

    private static BridgeLink link(Bridge bridge, byte[] pin) {
        return new BridgeLink("127.0.0.1", bridge.address().getPort(), Optional.of(pin), Optional.empty());
    }
}
