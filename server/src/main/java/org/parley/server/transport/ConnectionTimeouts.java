package org.parley.server.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes idle connections (no bytes read within the idle timeout, which the server's
 * {@link IdleSweep} tells) and slow ones: a peer that leaves
 * the outbound buffer above its high-water mark for longer than the slow timeout is not reading,
 * so its connection is closed rather than buffering for it without bound. Undelivered mail stays
 * in the mailbox either way.
 */
public final class ConnectionTimeouts extends ChannelDuplexHandler implements IdleSweep.Watched {
    private final Duration slowTimeout;
    private final IdleSweep idleSweep;
    private IdleSweep.Watch idleWatch;
    private boolean readSinceSweep;
    private ScheduledFuture<?> slowClose;

    public ConnectionTimeouts(Duration slowTimeout, IdleSweep idleSweep) {
        this.slowTimeout = slowTimeout;
        this.idleSweep = idleSweep;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        idleWatch = idleSweep.watch(this, ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        IdleSweep.forget(idleWatch);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        readSinceSweep = true;
        super.channelRead(ctx, msg);
    }

    @Override
    public boolean takeActivity() {
        boolean read = readSinceSweep;
        readSinceSweep = false;
        return read;
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
