package org.parley.server.webtransport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.http3.Http3ServerConnectionHandler;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.quic.InsecureQuicTokenHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import org.parley.server.calls.Relay;
import org.parley.server.ratelimit.ConnectionLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The call relay over WebTransport (draft-ietf-webtrans-http3) on HTTP/3, for browsers, which
 * cannot send UDP themselves: one UDP port, QUIC with DATAGRAM frames (RFC 9221), an extended
 * CONNECT (RFC 9220) with {@code :protocol = webtransport} to {@value #PATH} opens the session, and
 * each HTTP datagram (RFC 9297) of the session carries one relay datagram exactly as on the UDP
 * relay: a MACed JOIN, then MEDIA, PING and LEAVE. So the join is authenticated as over UDP (only
 * the device the call token was issued to holds its JOIN key, given over the signed-in WebSocket)
 * and WebTransport, UDP and WebSocket participants share one {@link Relay}.
 * <p>
 * Each network (an IPv4 address, an IPv6 /64) holds at most {@value #DEFAULT_CONNECTIONS_PER_NETWORK}
 * QUIC connections at once, and so at most as many sessions (one per connection); a connection
 * beyond that is closed as soon as it is made, so one address cannot take the listener's share of
 * others. QUIC's Retry (the token handler) has checked the address first: a spoofed one never gets
 * this far.
 * <p>
 * TLS uses a self-signed P-256 certificate the server makes and renews itself
 * ({@link WebTransportCertificate}); clients pin its SHA-256, sent to them in each CallToken.
 */
public final class WebTransportServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebTransportServer.class);
    /** The request path of the extended CONNECT. */
    public static final String PATH = "/v1/webtransport";
    /** RFC 9297 section 5: the peer may send HTTP datagrams. */
    static final long SETTINGS_H3_DATAGRAM = 0x33;
    /** draft-ietf-webtrans-http3-02 section 8.2 (SETTINGS_ENABLE_WEBTRANSPORT), the version browsers still accept. */
    static final long SETTINGS_ENABLE_WEBTRANSPORT_DRAFT02 = 0x2b603742L;
    /** draft-ietf-webtrans-http3-07 section 8.2 (SETTINGS_WEBTRANSPORT_MAX_SESSIONS). */
    static final long SETTINGS_WEBTRANSPORT_MAX_SESSIONS_DRAFT07 = 0xc671706aL;
    /** A new certificate this long before the old one expires; a call in progress keeps its QUIC connection. */
    static final Duration ROTATION_MARGIN = Duration.ofDays(2);
    private static final int DATAGRAM_QUEUE = 256;
    /** As many as the bridge allows: a household or office behind one address, a few calls each. */
    public static final int DEFAULT_CONNECTIONS_PER_NETWORK = 20;
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

    private final Relay relay;
    private final Clock clock;
    private final SecureRandom random;
    private final EventLoopGroup group;
    private final ConnectionLimits connections;
    private final WebTransportStats stats = new WebTransportStats();
    private volatile Channel channel;
    private volatile Credentials credentials;

    /** The certificate and the QUIC TLS context made from it, swapped together. */
    private record Credentials(WebTransportCertificate certificate, QuicSslContext context) {
    }

    private WebTransportServer(Relay relay, Clock clock, SecureRandom random, ConnectionLimits connections) {
        this.relay = relay;
        this.connections = connections;
        this.clock = clock;
        this.random = random;
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.credentials = newCredentials();
    }

    /** Binds {@code address} (port 0 for an ephemeral one) and serves WebTransport sessions into {@code relay}. */
    public static WebTransportServer start(Relay relay, InetSocketAddress address, Clock clock) throws InterruptedException {
        return start(relay, address, clock, new ConnectionLimits(DEFAULT_CONNECTIONS_PER_NETWORK, DEFAULT_MAX_CONNECTIONS));
    }

    /** As {@link #start(Relay, InetSocketAddress, Clock)}, with {@code connections} bounding the QUIC connections. */
    public static WebTransportServer start(Relay relay, InetSocketAddress address, Clock clock, ConnectionLimits connections)
            throws InterruptedException {
        WebTransportServer server = new WebTransportServer(relay, clock, new SecureRandom(), connections);
        try {
            server.bind(address);
        } catch (RuntimeException | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void bind(InetSocketAddress address) throws InterruptedException {
        ChannelHandler codec = Http3.newQuicServerCodecBuilder()
                // Each connection takes the current certificate, so a rotation needs no restart.
                .sslEngineProvider(quic -> currentCredentials().context().newEngine(quic.alloc()))
                .maxIdleTimeout(30, TimeUnit.SECONDS)
                .initialMaxData(1 << 20)
                .initialMaxStreamDataBidirectionalLocal(64 << 10)
                .initialMaxStreamDataBidirectionalRemote(64 << 10)
                .initialMaxStreamDataUnidirectional(64 << 10)
                .initialMaxStreamsBidirectional(4)
                .initialMaxStreamsUnidirectional(4)
                .datagram(DATAGRAM_QUEUE, DATAGRAM_QUEUE)
                .tokenHandler(InsecureQuicTokenHandler.INSTANCE)
                .handler(new ChannelInitializer<QuicChannel>() {
                    @Override
                    protected void initChannel(QuicChannel quic) {
                        if (!admitted(quic)) {
                            return;
                        }
                        WebTransportConnection connection = new WebTransportConnection(quic, relay, stats,
                                joinAddress -> joinAddress.getPort() == localAddress().getPort());
                        quic.pipeline().addLast(new Http3ServerConnectionHandler(
                                new ChannelInitializer<QuicStreamChannel>() {
                                    @Override
                                    protected void initChannel(QuicStreamChannel stream) {
                                        stream.pipeline().addLast(connection.requestHandler());
                                    }
                                }, null, null, localSettings(), true, WebTransportServer::isOurSetting));
                        quic.pipeline().addLast(connection);
                    }
                })
                .build();
        channel = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(codec)
                .bind(address).sync().channel();
    }

    /**
     * Counts a new QUIC connection against its network's budget until it closes; when the budget
     * (or the listener's) is spent, the connection only gets closed as soon as it is up.
     */
    private boolean admitted(QuicChannel quic) {
        if (!(quic.remoteSocketAddress() instanceof InetSocketAddress peer) || !connections.tryOpen(peer.getAddress())) {
            stats.connectionsRefused.increment();
            quic.pipeline().addLast(RefuseConnection.INSTANCE);
            return false;
        }
        quic.closeFuture().addListener(closed -> connections.closed(peer.getAddress()));
        return true;
    }

    /**
     * Closes a QUIC connection once its handshake is done, saying why (HTTP/3's "excessive load"):
     * closed earlier, nothing would reach the client, which would wait out its idle timeout and
     * send its Initial again, each time a new connection here.
     */
    @ChannelHandler.Sharable
    private static final class RefuseConnection extends ChannelInboundHandlerAdapter {
        static final RefuseConnection INSTANCE = new RefuseConnection();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ((QuicChannel) ctx.channel()).close(true, Http3ErrorCode.H3_EXCESSIVE_LOAD.code(), Unpooled.EMPTY_BUFFER);
        }
    }

    /** RFC 9220 extended CONNECT, RFC 9297 datagrams, and WebTransport in the drafts browsers speak. */
    private static DefaultHttp3SettingsFrame localSettings() {
        Http3Settings settings = new Http3Settings(WebTransportServer::isOurSetting);
        settings.enableConnectProtocol(true);
        settings.enableH3Datagram(true);
        settings.put(SETTINGS_ENABLE_WEBTRANSPORT_DRAFT02, 1L);
        settings.put(SETTINGS_WEBTRANSPORT_MAX_SESSIONS_DRAFT07, 1L);
        return new DefaultHttp3SettingsFrame(settings);
    }

    private static boolean isOurSetting(long id, Long value) {
        return id == SETTINGS_ENABLE_WEBTRANSPORT_DRAFT02 || id == SETTINGS_WEBTRANSPORT_MAX_SESSIONS_DRAFT07;
    }

    private Credentials newCredentials() {
        WebTransportCertificate certificate = WebTransportCertificate.generate(clock.instant(), random);
        try {
            QuicSslContext context = QuicSslContextBuilder.forServer(certificate.key(), null, certificate.certificate())
                    .applicationProtocols(Http3.supportedApplicationProtocols()).build();
            // Public (every call token carries it); logged so an operator can see rotations.
            log.info("WebTransport certificate SHA-256 {} valid until {}", HexFormat.of().formatHex(certificate.sha256()),
                    certificate.notAfter());
            return new Credentials(certificate, context);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot make the WebTransport TLS context", e);
        }
    }

    /** The credentials in use, renewed first when they are within {@link #ROTATION_MARGIN} of expiry. */
    private Credentials currentCredentials() {
        Credentials current = credentials;
        if (current.certificate().dueForRotation(clock.instant(), ROTATION_MARGIN)) {
            synchronized (this) {
                current = credentials;
                if (current.certificate().dueForRotation(clock.instant(), ROTATION_MARGIN)) {
                    current = newCredentials();
                    credentials = current;
                }
            }
        }
        return current;
    }

    /** The certificate clients must pin now (renewed here when due, so a client never gets a hash about to expire). */
    public WebTransportCertificate certificate() {
        return currentCredentials().certificate();
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Counters for /metrics: connections refused over a budget, sessions opened and refused, datagrams in and out, datagrams dropped. */
    public Map<String, Long> counters() {
        return stats.snapshot();
    }

    @Override
    public void close() {
        Channel bound = channel;
        if (bound != null) {
            bound.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Counters shared by the connections. */
    static final class WebTransportStats {
        final LongAdder connectionsRefused = new LongAdder();
        final LongAdder sessionsOpened = new LongAdder();
        final LongAdder sessionsRefused = new LongAdder();
        final LongAdder datagramsReceived = new LongAdder();
        final LongAdder datagramsSent = new LongAdder();
        final LongAdder datagramsDropped = new LongAdder();

        Map<String, Long> snapshot() {
            Map<String, Long> counters = new LinkedHashMap<>();
            counters.put("webtransport_connections_refused", connectionsRefused.sum());
            counters.put("webtransport_sessions_opened", sessionsOpened.sum());
            counters.put("webtransport_sessions_refused", sessionsRefused.sum());
            counters.put("webtransport_datagrams_received", datagramsReceived.sum());
            counters.put("webtransport_datagrams_sent", datagramsSent.sum());
            counters.put("webtransport_datagrams_dropped", datagramsDropped.sum());
            return counters;
        }
    }
}
