package org.parley.server.webtransport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ServerConnectionHandler;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.quic.InsecureQuicTokenHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import org.parley.server.calls.Relay;
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

    private final Relay relay;
    private final Clock clock;
    private final SecureRandom random;
    private final EventLoopGroup group;
    private final WebTransportStats stats = new WebTransportStats();
    private volatile Channel channel;
    private volatile Credentials credentials;

    /** The certificate and the QUIC TLS context made from it, swapped together. */
    private record Credentials(WebTransportCertificate certificate, QuicSslContext context) {
    }

    private WebTransportServer(Relay relay, Clock clock, SecureRandom random) {
        this.relay = relay;
        this.clock = clock;
        this.random = random;
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.credentials = newCredentials();
    }

    /** Binds {@code address} (port 0 for an ephemeral one) and serves WebTransport sessions into {@code relay}. */
    public static WebTransportServer start(Relay relay, InetSocketAddress address, Clock clock) throws InterruptedException {
        WebTransportServer server = new WebTransportServer(relay, clock, new SecureRandom());
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

    /** Counters for /metrics: sessions opened and refused, datagrams in and out, datagrams dropped. */
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
        final LongAdder sessionsOpened = new LongAdder();
        final LongAdder sessionsRefused = new LongAdder();
        final LongAdder datagramsReceived = new LongAdder();
        final LongAdder datagramsSent = new LongAdder();
        final LongAdder datagramsDropped = new LongAdder();

        Map<String, Long> snapshot() {
            Map<String, Long> counters = new LinkedHashMap<>();
            counters.put("webtransport_sessions_opened", sessionsOpened.sum());
            counters.put("webtransport_sessions_refused", sessionsRefused.sum());
            counters.put("webtransport_datagrams_received", datagramsReceived.sum());
            counters.put("webtransport_datagrams_sent", datagramsSent.sum());
            counters.put("webtransport_datagrams_dropped", datagramsDropped.sum());
            return counters;
        }
    }
}
