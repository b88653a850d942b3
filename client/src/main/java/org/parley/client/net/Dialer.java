package org.parley.client.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.proxy.HttpProxyHandler;
import io.netty.handler.proxy.ProxyConnectException;
import io.netty.handler.proxy.ProxyHandler;
import io.netty.handler.proxy.Socks5ProxyHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Opens the TCP connections that carry everything a device says to its server (the WebSocket and
 * attachment transfers) along a {@link Route} to an {@link Endpoint}. The pipeline is one layer per
 * hop, outermost first:
 * <ol>
 *   <li>the proxy's handshake (SOCKS5, RFC 1928, or HTTP CONNECT, RFC 9110 §9.3.6), asked for the
 *       next hop by name, so that names are resolved by the proxy and never here (a Tor user leaks
 *       no DNS);</li>
 *   <li>the bridge's TLS when the endpoint has a bridge: SNI the bridge's name, ALPN http/1.1, the
 *       certificate accepted by the link's pin alone, or else by this machine's trust for the name.
 *       The bridge then relays raw bytes to its server;</li>
 *   <li>the server's own TLS for an https server, checked against the server's name as always, so
 *       that neither proxy nor bridge can read or change what follows;</li>
 *   <li>whatever the caller adds (HTTP, WebSocket).</li>
 * </ol>
 */
public final class Dialer {
    private static final Logger log = LoggerFactory.getLogger(Dialer.class);
    private static final int MAX_WHY_LENGTH = 120;
    private static final String[] TLS_VERSIONS = {"TLSv1.3", "TLSv1.2"};
    /** The JDK's engine even where netty-tcnative (the bridge's, in the same jar as the CLI) would be Netty's default. */
    private static final SslProvider CLIENT_TLS = SslProvider.JDK;
    /** Plain-http servers reached through a bridge, warned about once each rather than on every connection. */
    private static final Set<ServerAddress> PLAIN_BEHIND_BRIDGE_WARNED = ConcurrentHashMap.newKeySet();

    /**
     * How long a TCP connect may go unanswered: an address that drops SYNs instead of refusing
     * them is given up in seconds, so the next address is tried well inside issue 15's 5 s; one
     * lost SYN (resent after 1 s) still fits.
     */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private final Route route;
    private final EventLoopGroup group;
    private final Duration timeout;
    private final Duration connectTimeout;

    /** Dials along {@code route} on {@code group}; each hop gets {@code timeout} to answer, a TCP connect {@link #CONNECT_TIMEOUT}. */
    public Dialer(Route route, EventLoopGroup group, Duration timeout) {
        this(route, group, timeout, CONNECT_TIMEOUT);
    }

    Dialer(Route route, EventLoopGroup group, Duration timeout, Duration connectTimeout) {
        this.route = route;
        this.group = group;
        this.timeout = timeout;
        this.connectTimeout = connectTimeout.compareTo(timeout) < 0 ? connectTimeout : timeout;
    }

    public Route route() {
        return route;
    }

    public Duration timeout() {
        return timeout;
    }

    /**
     * A channel being opened, and when every layer under the caller's is up.
     *
     * @param ready completes once the last hop's handshake is done; fails with a {@link ConnectionException}
     *              that names the hop that failed and what to fix (the channel is closed then)
     */
    public record Dial(Channel channel, CompletableFuture<Void> ready) {
    }

    /**
     * Starts opening a channel to {@code endpoint}'s server. {@code application} adds the caller's
     * handlers behind the hops' own; they see the channel become active when the proxy has
     * connected, and what they write waits in the TLS layers until those handshakes are done.
     */
    public Dial dial(Endpoint endpoint, Consumer<ChannelPipeline> application) {
        ServerAddress server = endpoint.server();
        if (endpoint.bridge().isPresent() && !server.tls() && PLAIN_BEHIND_BRIDGE_WARNED.add(server)) {
            log.warn("the server {} is plain http: the bridge in between can read everything this device sends it;"
                    + " use an https server behind a bridge", server);
        }
        CompletableFuture<Void> ready = new CompletableFuture<>();
        String firstHost = endpoint.bridge().map(BridgeLink::host).orElse(server.host());
        int firstPort = endpoint.bridge().map(BridgeLink::port).orElse(server.port());
        SslContext bridgeTls = endpoint.bridge().map(Dialer::bridgeSsl).orElse(null);
        SslContext serverTls = server.tls() ? serverSsl() : null;
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline pipeline = ch.pipeline();
                        Promise<Void> connected = ch.eventLoop().newPromise();
                        pipeline.addLast("connected", new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                connected.trySuccess(null);
                                ctx.pipeline().remove(this);
                                ctx.fireChannelActive();
                            }
                        });
                        List<Future<?>> layers = new ArrayList<>(List.of(connected));
                        ProxyHandler proxy = proxyHandler();
                        if (proxy != null) {
                            pipeline.addLast("proxy", proxy);
                            layer(layers, proxy.connectFuture(), ready, new Hop.Proxy(route, firstHost, firstPort));
                        }
                        if (bridgeTls != null) {
                            BridgeLink bridge = endpoint.bridge().get();
                            SslHandler tls = bridgeTls.newHandler(ch.alloc(), bridge.host(), bridge.port());
                            pipeline.addLast("bridge-tls", tls);
                            layer(layers, tls.handshakeFuture(), ready, new Hop.Bridge(bridge));
                        }
                        if (serverTls != null) {
                            SslHandler tls = serverTls.newHandler(ch.alloc(), server.host(), server.port());
                            pipeline.addLast("server-tls", tls);
                            layer(layers, tls.handshakeFuture(), ready, new Hop.Server(server));
                        }
                        layers.get(layers.size() - 1).addListener(done -> {
                            if (done.isSuccess()) {
                                ready.complete(null);
                            }
                        });
                        application.accept(pipeline);
                    }
                });
        ChannelFuture connect;
        Hop firstHop;
        if (route instanceof Route.Direct) {
            firstHop = endpoint.bridge().<Hop>map(Hop.Bridge::new).orElse(new Hop.Server(server));
            connect = bootstrap.connect(firstHost, firstPort);
        } else {
            // Through a proxy the next hop stays a name: the proxy resolves it, this machine never does.
            firstHop = new Hop.ProxyItself(route);
            connect = bootstrap.resolver(NoopAddressResolverGroup.INSTANCE)
                    .connect(InetSocketAddress.createUnresolved(firstHost, firstPort));
        }
        Channel channel = connect.channel();
        connect.addListener(done -> {
            if (!done.isSuccess()) {
                fail(ready, firstHop, done.cause());
            }
        });
        ready.whenComplete((ok, failure) -> {
            if (failure != null) {
                channel.close();
            }
        });
        return new Dial(channel, ready);
    }

    private ProxyHandler proxyHandler() {
        ProxyHandler handler = null;
        if (route instanceof Route.Socks5 socks) {
            handler = new Socks5ProxyHandler(new InetSocketAddress(socks.host(), socks.port()));
        } else if (route instanceof Route.HttpConnect http) {
            handler = new HttpProxyHandler(new InetSocketAddress(http.host(), http.port()));
        }
        if (handler != null) {
            handler.setConnectTimeoutMillis(timeout.toMillis());
        }
        return handler;
    }

    /** Where a connection can fail, to tell people which part to fix. */
    private sealed interface Hop {
        ConnectionException explain(Throwable cause);

        /** The proxy itself could not be reached. */
        record ProxyItself(Route route) implements Hop {
            @Override
            public ConnectionException explain(Throwable cause) {
                return new ConnectionException("cannot reach the proxy " + route + " (" + why(cause)
                        + "); check --proxy (or PARLEY_PROXY) and that the proxy is running", cause);
            }
        }

        /** The proxy was reached but did not connect onwards. */
        record Proxy(Route route, String host, int port) implements Hop {
            @Override
            public ConnectionException explain(Throwable cause) {
                String target = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
                if (cause instanceof ProxyConnectException && cause.getMessage() != null && cause.getMessage().contains("timeout")) {
                    return new ConnectionException("the proxy " + route + " did not connect to " + target
                            + " in time; check that the proxy works and can reach that address", cause);
                }
                if (cause instanceof ProxyConnectException && cause.getMessage() != null && cause.getMessage().contains("status:")) {
                    return new ConnectionException("the proxy " + route + " refused to connect to " + target + " ("
                            + cause.getMessage().substring(cause.getMessage().indexOf("status:")) + ")", cause);
                }
                return new ConnectionException("the proxy " + route + " failed while connecting to " + target + " ("
                        + why(cause) + "); check that " + route + " is a working " + (route instanceof Route.Socks5 ? "SOCKS5" : "HTTP")
                        + " proxy", cause);
            }
        }

        record Bridge(BridgeLink bridge) implements Hop {
            @Override
            public ConnectionException explain(Throwable cause) {
                String at = (bridge.host().indexOf(':') >= 0 ? "[" + bridge.host() + "]" : bridge.host()) + ":" + bridge.port();
                if (causedBy(cause, PinMismatch.class)) {
                    return new ConnectionException("the bridge's certificate does not match the link's pin (bridge " + at
                            + "); ask whoever shared the link for a current one", cause);
                }
                if (causedBy(cause, SSLException.class) || causedBy(cause, CertificateException.class)) {
                    return new ConnectionException("the TLS handshake with the bridge " + at + " failed (" + why(cause)
                            + "); check the link: a bridge with its own certificate needs the link's pin", cause);
                }
                return new ConnectionException("cannot reach the bridge " + at + " (" + why(cause)
                        + "); check the link and that the bridge is running", cause);
            }
        }

        record Server(ServerAddress server) implements Hop {
            @Override
            public ConnectionException explain(Throwable cause) {
                return Connection.unreachable(server, cause);
            }
        }
    }

    /**
     * Adds a layer whose handshake is {@code step}. Its failure is reported only when every layer
     * under it is up: when the proxy fails, the TLS handshakes queued behind it fail too, and the
     * proxy's is the failure that tells people what to fix.
     */
    private static void layer(List<Future<?>> layers, Future<?> step, CompletableFuture<Void> ready, Hop hop) {
        List<Future<?>> under = List.copyOf(layers);
        step.addListener(done -> {
            if (!done.isSuccess() && under.stream().allMatch(Future::isSuccess)) {
                fail(ready, hop, done.cause());
            }
        });
        layers.add(step);
    }

    private static void fail(CompletableFuture<Void> ready, Hop hop, Throwable cause) {
        if (cause != null && !ready.isDone()) {
            ready.completeExceptionally(hop.explain(cause));
        }
    }

    static boolean causedBy(Throwable cause, Class<? extends Throwable> kind) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (kind.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    static String why(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getMessage() == null) {
            root = root.getCause();
        }
        String why = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        // Some messages quote what arrived (a whole junk record, in hex): enough of it to recognise.
        return why.length() <= MAX_WHY_LENGTH ? why : why.substring(0, MAX_WHY_LENGTH) + "…";
    }

    private static SslContext serverSsl() {
        try {
            return SslContextBuilder.forClient().sslProvider(CLIENT_TLS).protocols(TLS_VERSIONS).build();
        } catch (SSLException e) {
            throw new ConnectionException("TLS is not available in this Java runtime: " + e.getMessage(), e);
        }
    }

    private static SslContext bridgeSsl(BridgeLink bridge) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(CLIENT_TLS).protocols(TLS_VERSIONS)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_1_1));
            if (bridge.pin().isPresent()) {
                // The pin replaces chain and name checks: a bridge's certificate is usually self-made.
                builder.trustManager(new PinnedTrust(bridge.pin().get())).endpointIdentificationAlgorithm(null);
            }
            return builder.build();
        } catch (SSLException e) {
            throw new ConnectionException("TLS is not available in this Java runtime: " + e.getMessage(), e);
        }
    }

    /** A certificate whose SubjectPublicKeyInfo does not hash to the bridge link's pin. */
    static final class PinMismatch extends CertificateException {
        PinMismatch() {
            super("the bridge's certificate does not match the link's pin");
        }
    }

    /** Trusts exactly the certificate whose SubjectPublicKeyInfo's SHA-256 is the pin. */
    private static final class PinnedTrust extends X509ExtendedTrustManager {
        private final byte[] pin;

        PinnedTrust(byte[] pin) {
            this.pin = pin.clone();
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new PinMismatch();
            }
            byte[] spki = chain[0].getPublicKey().getEncoded();
            try {
                if (!MessageDigest.isEqual(MessageDigest.getInstance("SHA-256").digest(spki), pin)) {
                    throw new PinMismatch();
                }
            } catch (NoSuchAlgorithmException e) {
                throw new CertificateException("SHA-256 is not available", e);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("a client does not check client certificates");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("a client does not check client certificates");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client does not check client certificates");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
