package org.parley.server.bridge;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import org.parley.server.transport.IdleSweep;

import java.net.SocketAddress;
import java.util.ArrayDeque;

/**
 * A client's connection to the bridge, behind the bridge's TLS. Only once the client's handshake
 * is done does it dial the upstream, so junk, port scans and half-open connections never reach
 * the server; what the client sends meanwhile (TLS 1.3 lets it send with its Finished) waits here.
 */
final class ClientEnd extends RelayEnd implements IdleSweep.Watched {
    private final Bootstrap upstreamTemplate;
    private final SocketAddress upstreamAddress;
    private final BridgeCounters counters;
    private final IdleSweep idleSweep;
    private IdleSweep.Watch idleWatch;
    /** Read before the upstream connection opened; null when none. */
    private ArrayDeque<Object> early;
    /** Between the client's handshake and the upstream connection's outcome. */
    private boolean dialling;

    ClientEnd(Bootstrap upstreamTemplate, SocketAddress upstreamAddress, BridgeCounters counters, IdleSweep idleSweep) {
        this.upstreamTemplate = upstreamTemplate;
        this.upstreamAddress = upstreamAddress;
        this.counters = counters;
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

    /** No byte passed either way for the idle timeout: both connections close, after what they hold. */
    @Override
    public void closeIdle(ChannelHandlerContext ctx) {
        counters.idleClosed.increment();
        closeBoth(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                dialUpstream(ctx);
            } else {
                counters.failedHandshakes.increment();
                ctx.close();
            }
        } else if (event instanceof SslCloseCompletionEvent) {
            inputEnded(ctx);
        }
        super.userEventTriggered(ctx, event);
    }

    private void dialUpstream(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        client.config().setAutoRead(false);
        dialling = true;
        UpstreamEnd upstreamEnd = new UpstreamEnd();
        ChannelFuture connect = upstreamTemplate.clone(client.eventLoop()).handler(upstreamEnd).connect(upstreamAddress);
        Channel upstream = connect.channel();
        // Closing the client before the upstream answered abandons the attempt. Once paired, the
        // upstream closes after what it still holds is flushed (RelayEnd.channelInactive): closing
        // it at once here lost the client's last bytes whenever the upstream was behind.
        client.closeFuture().addListener(closed -> {
            if (dialling) {
                upstream.close();
            }
        });
        connect.addListener(connected -> {
            dialling = false;
            if (!connected.isSuccess() || !client.isActive()) {
                counters.upstreamFailures.increment();
                releaseEarly();
                upstream.close();
                client.close();
                return;
            }
            counters.relayed.increment();
            pair(this, client, upstreamEnd, upstream);
            if (early != null) {
                for (Object msg = early.poll(); msg != null; msg = early.poll()) {
                    upstream.write(msg, upstream.voidPromise());
                }
                early = null;
                upstream.flush();
            }
            if (inputHasEnded()) {
                // The client sent everything and its close_notify before the upstream connection was up.
                passInputEnd(upstream);
            }
            upstream.config().setAutoRead(true);
            client.config().setAutoRead(true);
        });
    }

    @Override
    protected boolean stillDialling() {
        return dialling;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (other == null) {
            if (early == null) {
                early = new ArrayDeque<>(2);
            }
            early.add(msg);
            return;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releaseEarly();
        super.channelInactive(ctx);
    }

    private void releaseEarly() {
        if (early != null) {
            early.forEach(ReferenceCountUtil::release);
            early = null;
        }
    }

    /** The client finished sending (a close_notify, or a bare TCP FIN): the server gets a TCP FIN. */
    @Override
    protected void shutDownOutputOf(Channel upstream) {
        ((SocketChannel) upstream).shutdownOutput();
    }
}
