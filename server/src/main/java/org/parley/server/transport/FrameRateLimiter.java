package org.parley.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.server.ratelimit.TokenBucket;

/**
 * Per-connection frame rate limit. Frames above the rate are dropped with a RATE_LIMITED
 * violation, which also counts towards disconnecting a client that keeps flooding.
 */
public final class FrameRateLimiter extends SimpleChannelInboundHandler<ClientFrame> {
    private final TokenBucket bucket;

    public FrameRateLimiter(int framesPerSecond, int burst) {
        super(false);
        this.bucket = new TokenBucket(framesPerSecond, burst, System.nanoTime());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ClientFrame frame) {
        if (bucket.tryTake(System.nanoTime())) {
            ctx.fireChannelRead(frame);
        } else {
            ctx.fireExceptionCaught(new ProtocolViolation(frame.getRequestId(), ErrorCode.RATE_LIMITED,
                    "too many frames on this connection; slow down"));
        }
    }
}
