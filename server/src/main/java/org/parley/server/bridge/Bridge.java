package org.parley.server.bridge;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import org.parley.server.ratelimit.ConnectionLimits;
import org.parley.server.transport.IdleSweep;
import org.parley.server.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A running bridge ({@code parley proxy}): TLS with the bridge's own certificate, then raw bytes
 * relayed to one upstream. Connections over a limit are reset as they arrive, before any TLS work.
 * A browser's connection (plain HTTP inside the bridge's TLS: the WebSocket of its tunnel) reaches
 * an upstream with TLS inside TLS that the bridge runs as a client; its bytes are still relayed unread.
 */
public final class Bridge implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Bridge.class);
    /** Per direction: reading from one side stops while the other has this much unsent. */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);
    /**
     * The OpenSSL engine's native buffer for TLS bytes written outside a wrap (alerts, tickets, a
     * close_notify), malloc'd for each connection for its whole life: 2 KiB by default, most of what a
     * relayed connection holds outside the heap. When it is full, BoringSSL keeps the rest in its own
     * buffer (freed once sent) and the next wrap drains both, so a smaller one costs a wrap, not bytes.
     * 32 bytes hold one TLS 1.3 alert record (24 bytes, a close_notify for one).
     */
    static final int TLS_NON_APPLICATION_BUFFER_BYTES = 32;

    private final BridgeConfig config;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    private final ConnectionLimits limits;
    private final BridgeCounters counters = new BridgeCounters();
    private final Channel listener;
    private final SslContext tls;
    private final IdleSweep idleSweep;
    /** Dials the upstream; Netty's own connect timeout is off, see {@link ClientEnd}. */
    private final Bootstrap upstream;
    /** The TLS that browsers' connections reach the upstream in; null for an upstream without TLS. */
    private final SslContext upstreamTls;
    /** The --to host as TLS names it (SNI), as a browser going there directly would; empty for an address. */
    private final List<SNIServerName> upstreamName;

    private Bridge(BridgeConfig config, SslContext tls) throws InterruptedException {
        this.config = config;
        this.tls = tls;
        this.upstreamTls = config.upstreamTls() ? upstreamTlsContext() : null;
        this.upstreamName = serverName(config.upstream().getHostString());
        Transport transport = Transport.best();
        this.acceptor = transport.newGroup(1);
        this.workers = transport.newGroup(0);
        this.limits = new ConnectionLimits(config.maxConnectionsPerNetwork(), config.maxConnections());
        this.idleSweep = new IdleSweep(workers, config.idleTimeout());
        // One read-size policy for every connection (each keeps its own adaptive state); by default
        // each channel's config makes its own.
        RecvByteBufAllocator reads = new AdaptiveRecvByteBufAllocator();
        this.upstream = new Bootstrap().channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 0)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .option(ChannelOption.RCVBUF_ALLOCATOR, reads);
        try {
            this.listener = new ServerBootstrap().group(acceptor, workers).channel(transport.serverChannel())
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, reads)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            admit(channel, tls);
                        }
                    })
                    .bind(config.listen()).sync().channel();
        } catch (Exception e) {
            shutDownGroups();
            throw e;
        }
        acceptor.scheduleAtFixedRate(new CountsLog(), 1, 1, TimeUnit.MINUTES);
    }

    /**
     * Starts listening.
     *
     * @throws SSLException if the certificate and key do not make a TLS server
     */
    public static Bridge start(BridgeConfig config, BridgeCertificate certificate) throws InterruptedException, SSLException {
        SslContext tls = certificate.serverContext(tlsProvider());
        if (tls instanceof ReferenceCountedOpenSslContext openSsl) {
            openSsl.setBioNonApplicationBufferSize(TLS_NON_APPLICATION_BUFFER_BYTES);
        }
        return start(config, tls);
    }

    /** Starts listening with {@code tls}, which the bridge releases when it closes or fails to start. */
    static Bridge start(BridgeConfig config, SslContext tls) throws InterruptedException {
        try {
            Bridge bridge = new Bridge(config, tls);
            log.info("bridge listening on port {}", bridge.address().getPort());
            return bridge;
        } catch (InterruptedException | RuntimeException e) {
            ReferenceCountUtil.release(tls);
            throw e;
        }
    }

    /**
     * OpenSSL (BoringSSL, from netty-tcnative) where its native library loads: it keeps a
     * connection's TLS state outside the Java heap, in about half the memory of the JDK's engine,
     * which matters for a bridge holding thousands of idle connections. The JDK's engine elsewhere.
     */
    static SslProvider tlsProvider() {
        if (OpenSsl.isAvailable()) {
            log.info("bridge TLS: OpenSSL engine ({})", OpenSsl.versionString());
            return SslProvider.OPENSSL_REFCNT;
        }
        log.warn("bridge TLS: the OpenSSL engine did not load ({}); using the JDK's engine, which holds more memory per connection",
                OpenSsl.unavailabilityCause().toString());
        return SslProvider.JDK;
    }

    /**
     * The client side of the TLS a browser's connection reaches the upstream in. It trusts any
     * certificate: the tunnel inside authenticates the server by its own signed key, which the
     * bridge cannot forge, and the bridge is no party the browser should trust anyway, so a check
     * here would protect nothing. The JDK's engine: only browsers' connections pay for it.
     */
    private static SslContext upstreamTlsContext() {
        try {
            return SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .trustManager(InsecureTrustManagerFactory.INSTANCE)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("the JDK cannot make a TLS client context", e);
        }
    }

    /** {@code host} as SNI names it; none for an IP address, or a name TLS cannot carry. */
    private static List<SNIServerName> serverName(String host) {
        if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
            return List.of();
        }
        try {
            return List.of(new SNIHostName(host));
        } catch (IllegalArgumentException notAHostName) {
            return List.of();
        }
    }

    /** Whether browsers' connections reach the upstream in TLS that the bridge runs. */
    boolean upstreamTls() {
        return upstreamTls != null;
    }

    /** A new TLS client handler for a browser's connection to the upstream. */
    SslHandler upstreamTlsHandler(Channel upstreamChannel) {
        SslHandler handler = upstreamTls.newHandler(upstreamChannel.alloc(), config.upstream().getHostString(), config.upstream().getPort());
        handler.setHandshakeTimeoutMillis(config.handshakeTimeout().toMillis());
        if (!upstreamName.isEmpty()) {
            SSLParameters parameters = handler.engine().getSSLParameters();
            parameters.setServerNames(upstreamName);
            handler.engine().setSSLParameters(parameters);
        }
        return handler;
    }

    /** Whether this bridge's TLS runs on the OpenSSL engine (false: the JDK's). */
    public boolean usesOpenSsl() {
        return !(tls instanceof JdkSslContext);
    }

    private void admit(SocketChannel channel, SslContext tls) {
        InetAddress client = channel.remoteAddress().getAddress();
        if (!limits.tryOpen(client)) {
            counters.refusedOverLimit.increment();
            // A reset, not a FIN: nothing lingers on the bridge for a flood.
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
            channel.close();
            return;
        }
        counters.accepted.increment();
        SslHandler handshake;
        try {
            handshake = tls.newHandler(channel.alloc());
        } catch (RuntimeException e) {
            limits.closed(client); // ClientEnd, which gives the place back when the connection closes, is never added
            throw e;
        }
        handshake.setHandshakeTimeoutMillis(config.handshakeTimeout().toMillis());
        channel.pipeline().addLast(handshake, new ClientEnd(this, client));
    }

    /** A new connection to the upstream server, on {@code loop}, not yet connected. */
    Bootstrap upstreamOn(EventLoop loop) {
        return upstream.clone(loop);
    }

    BridgeConfig config() {
        return config;
    }

    IdleSweep idleSweep() {
        return idleSweep;
    }

    /** A client connection admitted by {@link ConnectionLimits#tryOpen} closed. */
    void closed(InetAddress client) {
        limits.closed(client);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    public BridgeCounters counters() {
        return counters;
    }

    /** Client connections open now. */
    public int openConnections() {
        return limits.openConnections();
    }

    /** Stops accepting and closes every relayed connection. */
    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        shutDownGroups();
        ReferenceCountUtil.release(tls);
        log.info("bridge stopped: {}", counters);
    }

    private void shutDownGroups() {
        acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** Once a minute, when anything changed: how many are open, from how many networks, and the totals. */
    private final class CountsLog implements Runnable {
        private String last = "";

        @Override
        public void run() {
            String now = limits.openConnections() + " open from " + limits.networks() + " networks; since start " + counters;
            if (!now.equals(last)) {
                log.info("bridge: {}", now);
                last = now;
            }
        }
    }
}
