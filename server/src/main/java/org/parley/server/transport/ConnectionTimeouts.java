package org.parley.server.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes idle connections (no bytes read within the idle timeout, signalled by an
 * {@link io.netty.handler.timeout.IdleStateHandler} in front) and slow ones: a peer that leaves
 * the outbound buffer above its high-water mark for longer than the slow timeout is not reading,
 * so its connection is closed rather than buffering for it without bound. Undelivered mail stays
 * in the mailbox either way.
 */
public final class ConnectionTimeouts extends ChannelDuplexHandler {
    private final Duration slowTimeout;
    private ScheduledFuture<?> slowClose;

    public ConnectionTimeouts(Duration slowTimeout) {
        this.slowTimeout = slowTimeout;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ctx.close();
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (!ctx.channel().isWritable()) {
            if (slowClose == null) {
                slowClose = ctx.executor().schedule(() -> {
                    ctx.close();
                }, slowTimeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } else if (slowClose != null) {
            slowClose.cancel(false);
            slowClose = null;
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (slowClose != null) {
            slowClose.cancel(false);
        }
        super.channelInactive(ctx);
    }
}
