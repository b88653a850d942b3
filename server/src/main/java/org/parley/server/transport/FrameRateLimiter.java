package org.parley.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.server.ratelimit.TokenBucket;

import java.time.Duration;

/**
 * Per-connection frame rate limit. Frames above the rate are dropped with a RATE_LIMITED
 * violation that says when the next frame will be taken, and which also counts towards
 * disconnecting a client that keeps flooding.
 */
public final class FrameRateLimiter extends SimpleChannelInboundHandler<ClientFrame> {
    private final TokenBucket bucket;

    public FrameRateLimiter(int framesPerSecond, int burst) {
        super(false);
        this.bucket = new TokenBucket(framesPerSecond, burst, System.nanoTime());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ClientFrame frame) {
        long wait = bucket.take(System.nanoTime());
        if (wait == 0) {
            ctx.fireChannelRead(frame);
        } else {
            Duration retryAfter = TokenBucket.retryAfter(wait);
            ctx.fireExceptionCaught(new ProtocolViolation(frame.getRequestId(), ErrorCode.RATE_LIMITED,
                    "too many frames on this connection; slow down and send again in " + retryAfter.toMillis() + " ms", retryAfter));
        }
    }
}
