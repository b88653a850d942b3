package org.parley.server.bridge;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/**
 * One end of a relayed pair of connections: what it reads it writes to the other end, and it
 * reads only while the other end can take more (auto-read off while the other's outbound buffer
 * is above its high-water mark), so a slow reader on one side never fills the bridge's memory.
 *
 * <p>An end passes through: when this end's input ends, the other end's output is shut once what
 * was read has been written (a TCP FIN to the server, a close_notify to the client); when both
 * inputs have ended, or either connection closes, both close after flushing. The OpenSSL engine
 * ends both directions of the client's TLS at the client's close_notify, so a client cannot read
 * an answer sent after it (as with most TLS servers).
 */
abstract class RelayEnd extends ChannelInboundHandlerAdapter {
    /** Null until both connections exist. */
    protected Channel other;
    private RelayEnd otherEnd;
    private boolean inputEnded;
    /** Whether this end read anything since the pair's last idle sweep (transport.IdleSweep). */
    private boolean readSinceSweep;

    /** Pairs two ends once both connections exist. */
    static void pair(RelayEnd client, Channel clientChannel, RelayEnd upstream, Channel upstreamChannel) {
        client.other = upstreamChannel;
        client.otherEnd = upstream;
        upstream.other = clientChannel;
        upstream.otherEnd = client;
    }

    /** Ends the other connection's output (TCP FIN upstream, TLS close_notify to the client). */
    protected abstract void shutDownOutputOf(Channel other);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readSinceSweep = true;
        other.write(msg, other.voidPromise());
        if (!other.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (other != null) {
            other.flush();
        }
    }

    /** This end drained below its low-water mark: the other end may read again. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable() && other != null) {
            other.config().setAutoRead(true);
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof ChannelInputShutdownEvent) {
            inputEnded(ctx);
        }
        super.userEventTriggered(ctx, event);
    }

    protected final void inputEnded(ChannelHandlerContext ctx) {
        if (inputEnded) {
            return;
        }
        inputEnded = true;
        if (other == null) {
            // Still dialling: the client end passes the end on once the pair is made (passInputEnd).
            if (!stillDialling()) {
                ctx.close();
            }
        } else if (otherEnd.inputEnded) {
            closeBoth(ctx);
        } else {
            passInputEnd(other);
        }
    }

    /** Whether either end read anything since the last call: a byte passed one way or the other. */
    public final boolean takeActivity() {
        boolean active = readSinceSweep || otherEnd != null && otherEnd.readSinceSweep;
        readSinceSweep = false;
        if (otherEnd != null) {
            otherEnd.readSinceSweep = false;
        }
        return active;
    }

    /** Whether this end waits for its other end's connection, holding what it read meanwhile. */
    protected boolean stillDialling() {
        return false;
    }

    /** Whether this end's peer finished sending. */
    protected final boolean inputHasEnded() {
        return inputEnded;
    }

    /** After what was written to {@code target} so far, ends its output: this end's peer sent its last byte. */
    protected final void passInputEnd(Channel target) {
        target.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
            if (written.isSuccess()) {
                shutDownOutputOf(target);
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (other != null && other.isActive()) {
            other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        super.channelInactive(ctx);
    }

    /** Broken pipes, resets and TLS errors end the pair; the cause is not logged (it may name the peer). */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    protected final void closeBoth(ChannelHandlerContext ctx) {
        if (other != null) {
            other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
