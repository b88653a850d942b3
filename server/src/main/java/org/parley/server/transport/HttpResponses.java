package org.parley.server.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Small plain-text HTTP answers; the connection stays open when the request allowed keep-alive. */
public final class HttpResponses {
    private HttpResponses() {
    }

    public static void text(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String contentType, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpUtil.setContentLength(response, bytes.length);
        HttpUtil.setKeepAlive(response, keepAlive);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        var future = ctx.writeAndFlush(response);
        if (!keepAlive) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }

    public static void error(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String message) {
        text(ctx, keepAlive, status, "text/plain; charset=utf-8", message + "\n");
    }

    /**
     * The answer to a path the server does not have: the same two words as the web app's 404,
     * naming neither the server's software nor any of its other paths.
     */
    public static void notFound(ChannelHandlerContext ctx, boolean keepAlive) {
        error(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, NOT_FOUND);
    }

    /** The body of every 404 (without its line end). */
    public static final String NOT_FOUND = "not found";

    /**
     * Answers while the client is still sending a body the server will not take: the answer says
     * "Connection: close", but the connection stays open so the client can finish writing and read
     * it (closing at once makes clients see a reset instead); the caller closes it once the answer
     * is written and the body has ended, and it closes anyway after {@link #LINGER}. A non-zero
     * {@code retryAfter} goes in a Retry-After header (RFC 9110 section 10.2.3), in whole seconds rounded up.
     *
     * @return completes when the answer is written
     */
    public static ChannelFuture errorBeforeBodyEnds(ChannelHandlerContext ctx, HttpResponseStatus status, String message,
                                                    Duration retryAfter) {
        byte[] bytes = (message + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        if (!retryAfter.isZero()) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, (retryAfter.toMillis() + 999) / 1000);
        }
        HttpUtil.setContentLength(response, bytes.length);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ChannelFuture answered = ctx.writeAndFlush(response);
        ctx.executor().schedule(() -> {
            ctx.close();
        }, LINGER.toMillis(), TimeUnit.MILLISECONDS);
        return answered;
    }

    /**
     * Ends the server's side of the connection once {@code answered} is written, and only that side:
     * a client still sending a body reads the answer and then the end of the stream, and what it
     * sends meanwhile is read and dropped until it closes (or {@link #LINGER} ends). A close instead
     * makes the kernel answer bytes still arriving with a reset, which can destroy the answer before
     * the client reads it. Over TLS no close_notify goes first: the answer is complete by its length.
     */
    public static void endOutputAfter(ChannelFuture answered) {
        answered.addListener(written -> {
            if (answered.channel() instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
            } else {
                answered.channel().close();
            }
        });
    }

    /** How long a refused body may keep arriving before the connection is closed anyway. */
    public static final Duration LINGER = Duration.ofSeconds(10);
}
