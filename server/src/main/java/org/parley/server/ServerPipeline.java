package org.parley.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import org.parley.protocol.Limits;
import org.parley.protocol.Tunnel;
import org.parley.protocol.v1.ClientFrame;
import org.parley.server.metrics.Metrics;
import org.parley.server.calls.Relay;
import org.parley.server.session.RequestHandler;
import org.parley.server.session.SessionHandler;
import org.parley.server.identity.ServerIdentity;
import org.parley.server.session.SessionRegistry;
import org.parley.server.transport.AttachmentRoutes;
import org.parley.server.transport.ClientFrameCodec;
import org.parley.server.transport.ConnectionTimeouts;
import org.parley.server.transport.FrameRateLimiter;
import org.parley.server.transport.HttpRouter;
import org.parley.server.transport.IdleSweep;
import org.parley.server.transport.MetricsAccess;
import org.parley.server.transport.ProxyProtocolReader;
import org.parley.server.transport.ReadinessRoute;
import org.parley.server.transport.TlsHandlers;
import org.parley.server.transport.TunnelHandler;
import org.parley.server.transport.ViolationPolicy;
import org.parley.server.transport.WebAppRoutes;

import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * The handlers of one connection, one concern each. Every connection starts as HTTP:
 * [PROXY protocol header] → [TLS] → flush consolidation → idle/slow timeouts → HTTP codec → 100-continue → chunked writes →
 * router (API paths, else the web app). The upgrade at the WebSocket path ({@code /v1/ws}, or
 * {@code --ws-path}) appends: WebSocket protocol (handshake, control frames, hard size cap) →
 * fragment aggregation → the session's handlers: protobuf codec → frame rate limit → session
 * dispatch → violation policy. The upgrade at that path followed by {@link Tunnel#PATH_SUFFIX} (a
 * browser through a bridge) appends the WebSocket protocol (records' size cap) → fragment
 * aggregation → the tunnel, whose first record appends behind it either FRAME records as binary
 * messages → the session's handlers, or one HTTP exchange → chunked writes → the attachment routes.
 */
final class ServerPipeline extends ChannelInitializer<SocketChannel> {
    /** WebSocket messages above this are refused by the WebSocket layer (close 1009) without being buffered. */
    static final int HARD_FRAME_LIMIT = 2 * Limits.MAX_CLIENT_FRAME_BYTES;
    /** Room for the TLVs a load balancer adds to a PROXY v2 header (TLS details, an endpoint id). */
    static final int MAX_PROXY_TLV_BYTES = 4096;

    /** Null for plain text (loopback only). */
    private final TlsHandlers tls;
    private final ServerConfig.Limits limits;
    private final ServerConfig.Edge edge;
    private final MetricsAccess metricsAccess;
    private final Metrics metrics;
    private final AttachmentRoutes attachments;
    private final Map<ClientFrame.BodyCase, RequestHandler> handlers;
    private final Executor requestPool;
    private final SecureRandom random;
    private final SessionRegistry sessions;
    private final Relay calls;
    private final WebSocketServerProtocolConfig webSocket;
    private final WebSocketServerProtocolConfig tunnel;
    private final WebAppRoutes webApp;
    private final ServerIdentity identity;
    private final ReadinessRoute readiness;
    private final IdleSweep idleSweep;

    ServerPipeline(TlsHandlers tls, ServerConfig.Limits limits, ServerConfig.Edge edge, MetricsAccess metricsAccess,
                   Metrics metrics, AttachmentRoutes attachments,
                   Map<ClientFrame.BodyCase, RequestHandler> handlers, Executor requestPool, SecureRandom random,
                   SessionRegistry sessions, Relay calls, WebAppRoutes webApp, ServerIdentity identity, ReadinessRoute readiness,
                   IdleSweep idleSweep) {
        this.tls = tls;
        this.limits = limits;
        this.edge = edge;
        this.metricsAccess = metricsAccess;
        this.metrics = metrics;
        this.attachments = attachments;
        this.handlers = handlers;
        this.requestPool = requestPool;
        this.random = random;
        this.sessions = sessions;
        this.calls = calls;
        this.webApp = webApp;
        this.identity = identity;
        this.readiness = readiness;
        this.idleSweep = idleSweep;
        this.webSocket = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(edge.webSocketPath())
                .maxFramePayloadLength(HARD_FRAME_LIMIT)
                .handshakeTimeoutMillis(limits.handshakeTimeout().toMillis())
                .dropPongFrames(true)
                // Text frames are refused by ClientFrameCodec whatever they hold: no UTF-8 validator on every connection.
                .withUTF8Validator(false)
                .build();
        this.tunnel = webSocket.toBuilder()
                .websocketPath(edge.webSocketPath() + Tunnel.PATH_SUFFIX)
                .maxFramePayloadLength(Tunnel.MAX_RECORD_BYTES)
                .build();
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        if (edge.proxyProtocol()) {
            // The proxy's header comes before the TLS handshake it forwards. Its TLVs (which the
            // server does not read) are bounded, so a stranger cannot make it buffer 64 KiB.
            pipeline.addLast("proxy-protocol", new HAProxyMessageDecoder(MAX_PROXY_TLV_BYTES));
            pipeline.addLast("proxy-client", new ProxyProtocolReader());
        }
        if (tls != null) {
            pipeline.addLast("tls", tls.newHandler(channel.alloc()));
        }
        pipeline.addLast("flush", new FlushConsolidationHandler(256, true));
        pipeline.addLast("timeouts", new ConnectionTimeouts(limits.slowTimeout(), idleSweep));
        pipeline.addLast("http", new HttpServerCodec(4096, 8192, 64 * 1024));
        pipeline.addLast("continue", new HttpServerExpectContinueHandler());
        pipeline.addLast("chunked", new ChunkedWriteHandler());
        pipeline.addLast("router", new HttpRouter(metrics, attachments, this::installWebSocket, this::installTunnel,
                edge.trustedProxies(), metricsAccess, webApp, edge.webSocketPath(), readiness));
    }

    private void installWebSocket(ChannelPipeline pipeline) {
        pipeline.addLast("websocket", new WebSocketServerProtocolHandler(webSocket));
        pipeline.addLast("upgraded", new DropHttpHandlers());
        pipeline.addLast("fragments", new WebSocketFrameAggregator(HARD_FRAME_LIMIT));
        installSession(pipeline);
    }

    /** The tunnel has as long as a WebSocket's upgrade to say what it carries. */
    private void installTunnel(ChannelPipeline pipeline) {
        pipeline.addLast("websocket", new WebSocketServerProtocolHandler(tunnel));
        pipeline.addLast("upgraded", new DropHttpHandlers());
        pipeline.addLast("fragments", new WebSocketFrameAggregator(Tunnel.MAX_RECORD_BYTES));
        pipeline.addLast("tunnel", new TunnelHandler(identity, random, limits.handshakeTimeout(), this::installSession, attachments));
    }

    /** What serves a session, from its binary messages on. */
    private void installSession(ChannelPipeline pipeline) {
        pipeline.addLast("protobuf", new ClientFrameCodec(metrics));
        pipeline.addLast("rate", new FrameRateLimiter(limits.framesPerSecond(), limits.frameBurst()));
        pipeline.addLast("session", new SessionHandler(handlers, requestPool, metrics, random, sessions, calls, identity));
        pipeline.addLast("violations", new ViolationPolicy(metrics, limits.maxViolations()));
    }

    /**
     * Once the WebSocket handshake is done, only frames arrive: the HTTP-only handlers go, which
     * saves their memory on every long-lived connection.
     */
    private static final class DropHttpHandlers extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                ChannelPipeline pipeline = ctx.pipeline();
                for (String name : List.of("continue", "chunked", "router")) {
                    if (pipeline.get(name) != null) {
                        pipeline.remove(name);
                    }
                }
                pipeline.remove(this);
            }
            super.userEventTriggered(ctx, event);
        }
    }
}
