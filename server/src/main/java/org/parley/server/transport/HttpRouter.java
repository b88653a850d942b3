package org.parley.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import org.parley.protocol.Tunnel;
import org.parley.protocol.WebSocketPaths;
import org.parley.server.metrics.Metrics;

import java.net.InetAddress;
import java.util.function.Consumer;

/**
 * Routes plain HTTP requests: {@code GET /healthz}, {@code GET /readyz}, {@code GET /metrics} (only with the metrics
 * token: see {@link MetricsAccess}), attachments under {@code /v1/attachments/{id}}, and the
 * WebSocket upgrades at the configured path ({@code /v1/ws} unless {@code --ws-path} moves it) and
 * at that path followed by {@link Tunnel#PATH_SUFFIX} (the tunnel a browser opens through a bridge),
 * each of which installs its handlers behind this one and, on a connection from a trusted proxy,
 * takes the client's address from X-Forwarded-For; every other GET or HEAD goes to the web app
 * ({@link WebAppRoutes}). Bodies are streamed, never aggregated, so a 100 MiB upload does not sit in
 * memory.
 *
 * <p>What a stranger may probe answers like any unknown path, a plain "not found" that names no
 * product and no other path: the WebSocket path without a complete upgrade request, and
 * {@code /metrics} on a server without a metrics token.
 */
public final class HttpRouter extends ChannelInboundHandlerAdapter {
    public static final String DEFAULT_WEBSOCKET_PATH = WebSocketPaths.DEFAULT;
    private static final String ATTACHMENTS = AttachmentPaths.PATH;
    private static final String HEALTH = "/healthz";
    private static final String READY = "/readyz";
    private static final String METRICS = "/metrics";
    private static final String FORWARDED_FOR = "X-Forwarded-For";

    private final Metrics metrics;
    private final AttachmentPaths attachments;
    private final Consumer<ChannelPipeline> webSocketInstaller;
    private final Consumer<ChannelPipeline> tunnelInstaller;
    private final TrustedProxies trustedProxies;
    private final MetricsAccess metricsAccess;
    private final WebAppRoutes webApp;
    private final String webSocketPath;
    private final String tunnelPath;
    private final ReadinessRoute readiness;
    private boolean upgraded;

    public HttpRouter(Metrics metrics, AttachmentRoutes attachments, Consumer<ChannelPipeline> webSocketInstaller,
                      Consumer<ChannelPipeline> tunnelInstaller, TrustedProxies trustedProxies, MetricsAccess metricsAccess,
                      WebAppRoutes webApp, String webSocketPath, ReadinessRoute readiness) {
        this.metrics = metrics;
        this.attachments = new AttachmentPaths(attachments);
        this.webSocketInstaller = webSocketInstaller;
        this.tunnelInstaller = tunnelInstaller;
        this.trustedProxies = trustedProxies;
        this.metricsAccess = metricsAccess;
        this.webApp = webApp;
        this.webSocketPath = webSocketPath; // checked once, in the server's configuration
        this.tunnelPath = webSocketPath + Tunnel.PATH_SUFFIX;
        this.readiness = readiness;
    }

    /**
     * Checks a {@code --ws-path}: an absolute path of plain segments that is none of the server's
     * other paths (the web app's files are checked where they are known, in the web app).
     *
     * @return the path
     * @throws IllegalArgumentException with a message for the operator otherwise
     */
    public static String checkWebSocketPath(String path) {
        if (!WebSocketPaths.isValid(path)) {
            throw new IllegalArgumentException("the WebSocket path must be like /v1/ws: '/' and segments of letters, digits and -._~"
                    + " (no '.' or '..' segment, no empty one, at most " + WebSocketPaths.MAX_LENGTH + " characters), got '" + path + "'");
        }
        if (path.equals(HEALTH) || path.equals(READY) || path.equals(METRICS) || path.equals(ATTACHMENTS) || path.startsWith(ATTACHMENTS + "/")) {
            throw new IllegalArgumentException("the WebSocket path " + path + " is taken by the server's own "
                    + HEALTH + ", " + READY + ", " + METRICS + " or " + ATTACHMENTS + "; choose another");
        }
        return path;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (upgraded && !(msg instanceof HttpContent)) {
            ctx.fireChannelRead(msg); // WebSocket frames after the upgrade
        } else if (msg instanceof HttpRequest request) {
            route(ctx, request);
            if (msg instanceof HttpContent content) {
                attachments.onContent(ctx, content);
            }
        } else if (msg instanceof HttpContent content) {
            attachments.onContent(ctx, content);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (upgraded) {
            super.exceptionCaught(ctx, cause); // the WebSocket handlers behind decide
        } else {
            ctx.close(); // a broken HTTP exchange: nothing useful to answer, and nothing to log about the peer
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        attachments.abort();
        super.channelInactive(ctx);
    }

    private void route(ChannelHandlerContext ctx, HttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            HttpResponses.error(ctx, false, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request");
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        HttpMethod method = request.method();
        if ((path.equals(webSocketPath) || path.equals(tunnelPath)) && isWebSocketUpgrade(request)) {
            upgraded = true;
            InetAddress peer = ClientAddress.of(ctx.channel());
            if (peer != null && trustedProxies.contains(peer)) {
                ClientAddress.set(ctx.channel(), trustedProxies.clientBehind(peer, request.headers().getAll(FORWARDED_FOR)));
            }
            (path.equals(webSocketPath) ? webSocketInstaller : tunnelInstaller).accept(ctx.pipeline());
            // The upgrade handler wants a complete request; an upgrade GET has no body to wait for.
            ctx.fireChannelRead(new DefaultFullHttpRequest(request.protocolVersion(), method, request.uri(),
                    Unpooled.EMPTY_BUFFER, request.headers(), EmptyHttpHeaders.INSTANCE));
        } else if (path.equals(HEALTH) && method.equals(HttpMethod.GET)) {
            HttpResponses.text(ctx, keepAlive, HttpResponseStatus.OK, "text/plain; charset=utf-8", "ok\n");
        } else if (path.equals(READY) && method.equals(HttpMethod.GET)) {
            readiness.answer(ctx, keepAlive);
        } else if (path.equals(METRICS) && method.equals(HttpMethod.GET) && metricsAccess.hasToken()) {
            if (metricsAccess.authorises(request)) {
                HttpResponses.text(ctx, keepAlive, HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8", metrics.render());
            } else {
                HttpResponses.error(ctx, keepAlive, HttpResponseStatus.UNAUTHORIZED, "/metrics needs 'Authorization: Bearer <metrics token>'");
            }
        } else if (attachments.route(ctx, request, path)) {
            // answered, or the body that follows streams into the upload
        } else if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)) {
            webApp.serve(ctx, request, keepAlive);
        } else {
            HttpResponses.notFound(ctx, keepAlive);
        }
    }

    /**
     * A GET that asks to become a WebSocket (RFC 6455 section 4.1: Upgrade: websocket and a
     * Sec-WebSocket-Key); anything less at the WebSocket's path is an unknown path, so the path
     * does not tell a scanner that a WebSocket lives there.
     */
    private static boolean isWebSocketUpgrade(HttpRequest request) {
        return request.method().equals(HttpMethod.GET)
                && request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                && request.headers().contains(HttpHeaderNames.SEC_WEBSOCKET_KEY);
    }
}
