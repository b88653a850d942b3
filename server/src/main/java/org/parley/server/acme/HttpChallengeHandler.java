package org.parley.server.acme;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The plain-HTTP listener ({@code --acme-http-port}): answers {@code GET
 * /.well-known/acme-challenge/TOKEN} for a pending HTTP-01 challenge (RFC 8555 section 8.3) and
 * redirects every other request to the same path on https at the main domain. One request per
 * connection; nothing else is served over plain text.
 */
final class HttpChallengeHandler extends SimpleChannelInboundHandler<HttpObject> {
    static final String CHALLENGE_PATH = "/.well-known/acme-challenge/";
    /** A request line longer than this is no challenge and no link a person follows. */
    private static final int MAX_REQUEST_LINE = 4096;
    private static final int READ_TIMEOUT_SECONDS = 30;

    private final ChallengeResponses challenges;
    private final String httpsOrigin;

    private HttpChallengeHandler(ChallengeResponses challenges, String httpsOrigin) {
        this.challenges = challenges;
        this.httpsOrigin = httpsOrigin;
    }

    /** The listener's pipeline; redirects go to {@code httpsOrigin} (as in https://chat.example.org). */
    static ChannelInitializer<Channel> initializer(ChallengeResponses challenges, String httpsOrigin) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(new ReadTimeoutHandler(READ_TIMEOUT_SECONDS),
                        new HttpServerCodec(MAX_REQUEST_LINE, 8192, 8192),
                        new HttpChallengeHandler(challenges, httpsOrigin));
            }
        };
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
        if (!(message instanceof HttpRequest request)) {
            return; // a body, ignored: the answer goes out at the request line and the connection closes
        }
        if (request.decoderResult().isFailure()) {
            reply(ctx, HttpResponseStatus.BAD_REQUEST, "bad request\n", null);
            return;
        }
        String path = new QueryStringDecoder(request.uri()).rawPath();
        boolean read = request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD);
        if (path.startsWith(CHALLENGE_PATH) && read) {
            Optional<String> answer = challenges.http01(path.substring(CHALLENGE_PATH.length()));
            if (answer.isPresent()) {
                reply(ctx, HttpResponseStatus.OK, answer.get(), null); // to HEAD, the codec sends the headers only
            } else {
                reply(ctx, HttpResponseStatus.NOT_FOUND, "no such challenge\n", null);
            }
            return;
        }
        // Only the path is kept, under our own origin: the Host header cannot send anyone elsewhere.
        String target = httpsOrigin + (path.startsWith("/") ? path : "/");
        reply(ctx, HttpResponseStatus.MOVED_PERMANENTLY, "", target);
    }

    private static void reply(ChannelHandlerContext ctx, HttpResponseStatus status, String body, String location) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.US_ASCII));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=us-ascii")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (location != null) {
            response.headers().set(HttpHeaderNames.LOCATION, location);
        }
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a read timeout or a reset: nothing to tell a stranger
    }
}
