package org.parley.server.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import org.parley.server.transport.IdleSweep;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A client's connection to the bridge, behind the bridge's TLS. Only once the client's handshake
 * is done does it dial the upstream, so junk, port scans and half-open connections never reach
 * the server; what the client sends meanwhile (TLS 1.3 lets it send with its Finished) waits here.
 * The first byte the client sends tells a browser: see {@link #sniff}.
 *
 * <p>What a connection needs when it closes is done here, not by listeners on its close future,
 * and the dial's timeout is the bridge's own, not Netty's (whose cancelled task the channel keeps
 * for its whole life): each was an object or two more in every one of thousands of idle
 * connections.
 */
final class ClientEnd extends RelayEnd implements IdleSweep.Watched {
    /** How a browser's WebSocket starts ("GET "): plain HTTP, where a client running its own TLS starts with 0x16. */
    private static final byte HTTP_GET = 'G';

    private final Bridge bridge;
    /** Counted against its network's limit until closed. */
    private final InetAddress client;
    private IdleSweep.Watch idleWatch;
    /** Read before the upstream connection opened; null when none. */
    private ArrayDeque<Object> early;
    /** The upstream connection between the client's handshake and its outcome; null otherwise. */
    private Channel dialling;
    /** Whether the client's first byte was seen. */
    private boolean sniffed;

    ClientEnd(Bridge bridge, InetAddress client) {
        this.bridge = bridge;
        this.client = client;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        idleWatch = bridge.idleSweep().watch(this, ctx);
    }

    /** The connection closed (the pipeline is taken down once, after it deregistered). */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        IdleSweep.forget(idleWatch);
        bridge.closed(client);
    }

    /** No byte passed either way for the idle timeout: both connections close, after what they hold. */
    @Override
    public void closeIdle(ChannelHandlerContext ctx) {
        bridge.counters().idleClosed.increment();
        closeBoth(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                dialUpstream(ctx);
            } else {
                bridge.counters().failedHandshakes.increment();
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
        UpstreamEnd upstreamEnd = new UpstreamEnd();
        ChannelFuture connect = bridge.upstreamOn(client.eventLoop()).handler(upstreamEnd).connect(bridge.config().upstream());
        Channel upstream = connect.channel();
        dialling = upstream;
        // An upstream that does not answer within the handshake timeout fails the dial as a refusal does.
        ScheduledFuture<?> timeout = client.eventLoop().schedule(() -> upstream.close(),
                bridge.config().handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        connect.addListener(connected -> {
            timeout.cancel(false);
            dialling = null;
            if (!connected.isSuccess() || !client.isActive()) {
                bridge.counters().upstreamFailures.increment();
                releaseEarly();
                upstream.close();
                client.close();
                return;
            }
            bridge.counters().relayed.increment();
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

    /**
     * A browser's connection (plain HTTP) reaches an upstream with TLS inside TLS that the bridge
     * runs, set up before any of its bytes go there; anything else (a client's own TLS, first byte
     * 0x16) is relayed exactly as it comes. Only the first byte is looked at, and nothing is held back for it.
     */
    private void sniff(byte first) {
        Channel upstream = other != null ? other : dialling;
        if (first == HTTP_GET && bridge.upstreamTls() && upstream != null) {
            upstream.pipeline().addFirst(bridge.upstreamTlsHandler(upstream));
        }
    }

    @Override
    protected boolean stillDialling() {
        return dialling != null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!sniffed && msg instanceof ByteBuf bytes && bytes.isReadable()) {
            sniffed = true;
            sniff(bytes.getByte(bytes.readerIndex()));
        }
        if (other == null) {
            if (early == null) {
                early = new ArrayDeque<>(2);
            }
            early.add(msg);
            return;
        }
        super.channelRead(ctx, msg);
    }

    /**
     * Closing the client before the upstream answered abandons the attempt. Once paired, the
     * upstream closes after what it still holds is flushed (RelayEnd.channelInactive): closing it
     * at once lost the client's last bytes whenever the upstream was behind.
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (dialling != null) {
            dialling.close();
        }
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
