package org.parley.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.ReferenceCountUtil;
import org.parley.server.metrics.Metrics;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The admin listener ({@code --admin-listen}, loopback by default): {@code GET /metrics} and
 * {@code GET /healthz} and {@code GET /readyz}, nothing else. With a metrics token, {@code /metrics} asks for it here too.
 */
public final class AdminHttp extends ChannelInboundHandlerAdapter {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private final Metrics metrics;
    private final MetricsAccess access;
    private final ReadinessRoute readiness;

    private AdminHttp(Metrics metrics, MetricsAccess access, ReadinessRoute readiness) {
        this.metrics = metrics;
        this.access = access;
        this.readiness = readiness;
    }

    /** The pipeline of one admin connection. */
    public static ChannelInitializer<SocketChannel> initializer(Metrics metrics, MetricsAccess access, ReadinessRoute readiness) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                channel.pipeline().addLast(new ReadTimeoutHandler(READ_TIMEOUT.toSeconds(), TimeUnit.SECONDS),
                        new HttpServerCodec(4096, 8192, 8192), new AdminHttp(metrics, access, readiness));
            }
        };
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest request) {
                answer(ctx, request);
            }
        } finally {
            ReferenceCountUtil.release(msg); // request bodies are not read here
        }
    }

    private void answer(ChannelHandlerContext ctx, HttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            HttpResponses.error(ctx, false, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request");
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        if (!request.method().equals(HttpMethod.GET)) {
            HttpResponses.error(ctx, keepAlive, HttpResponseStatus.METHOD_NOT_ALLOWED, "the admin listener answers GET only");
        } else if (path.equals("/healthz")) {
            HttpResponses.text(ctx, keepAlive, HttpResponseStatus.OK, "text/plain; charset=utf-8", "ok\n");
        } else if (path.equals("/readyz")) {
            readiness.answer(ctx, keepAlive);
        } else if (path.equals("/metrics") && (!access.hasToken() || access.authorises(request))) {
            HttpResponses.text(ctx, keepAlive, HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8", metrics.render());
        } else if (path.equals("/metrics")) {
            HttpResponses.error(ctx, keepAlive, HttpResponseStatus.UNAUTHORIZED, "/metrics needs 'Authorization: Bearer <metrics token>'");
        } else {
            HttpResponses.error(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, "the admin listener serves /metrics, /healthz and /readyz");
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
