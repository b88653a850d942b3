package org.parley.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import org.parley.protocol.Tunnel;
import org.parley.server.identity.ServerIdentity;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The server's end of a tunnel ({@link Tunnel}), behind the WebSocket at the tunnel's path: it
 * answers the client's hello, then opens each record into a {@link TunnelRecord} for the handlers
 * behind it and seals each one they write. The first record decides what the tunnel carries: a
 * session ({@link Tunnel#OPEN_SESSION}, empty): behind it go {@link TunnelFrames} and the
 * session's handlers, which get the WebSocket's handshake event, held back until now, exactly as
 * on a WebSocket; or one HTTP exchange ({@link Tunnel#HTTP_HEAD}): behind it go
 * {@link TunnelHttpExchange}, chunked writes and {@link TunnelAttachmentRoute}, which get the head
 * record.
 *
 * <p>A message that is no hello, a record that does not open and a first record of another kind
 * end the tunnel with close status 1002; a tunnel that has not said what it carries within the
 * handshake timeout (counted from the WebSocket's upgrade) is closed with 1008. Records and the
 * close are all that leave through here: anything else written behind it would pass unsealed, and
 * is refused.
 */
public final class TunnelHandler extends ChannelDuplexHandler {
    private enum State { AWAITING_HELLO, AWAITING_FIRST_RECORD, CARRYING, CLOSING }

    private final ServerIdentity identity;
    private final SecureRandom random;
    private final Duration setupTimeout;
    private final Consumer<ChannelPipeline> sessionInstaller;
    private final AttachmentRoutes attachments;
    private State state = State.AWAITING_HELLO;
    private WebSocketServerProtocolHandler.HandshakeComplete upgrade;
    private Tunnel.Sealer toClient;
    private Tunnel.Opener fromClient;
    private ScheduledFuture<?> setupDeadline;

    /** @param sessionInstaller adds what serves a session from its binary messages on, as behind a WebSocket */
    public TunnelHandler(ServerIdentity identity, SecureRandom random, Duration setupTimeout,
                         Consumer<ChannelPipeline> sessionInstaller, AttachmentRoutes attachments) {
        this.identity = identity;
        this.random = random;
        this.setupTimeout = setupTimeout;
        this.sessionInstaller = sessionInstaller;
        this.attachments = attachments;
    }

    /**
     * Ends a tunnel with {@code status}: nothing more is read into it ({@link #write} sees the
     * close go by), and the connection closes from {@code ctx} once the close is sent, past any
     * handler behind it that would hold a close back.
     */
    static void refuse(ChannelHandlerContext ctx, WebSocketCloseStatus status) {
        ctx.writeAndFlush(new CloseWebSocketFrame(status)).addListener(sent -> ctx.close());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        setupDeadline = ctx.executor().schedule(() -> end(ctx, WebSocketCloseStatus.POLICY_VIOLATION),
                setupTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        setupDeadline.cancel(false);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete complete) {
            upgrade = complete; // for the session, if the tunnel opens one
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.CLOSING || !(msg instanceof BinaryWebSocketFrame frame)) {
            ReferenceCountUtil.release(msg);
            if (state != State.CLOSING) {
                end(ctx, WebSocketCloseStatus.PROTOCOL_ERROR); // a text message
            }
            return;
        }
        byte[] message = ByteBufUtil.getBytes(frame.content());
        frame.release();
        if (state == State.AWAITING_HELLO) {
            answerHello(ctx, message);
            return;
        }
        byte[] plaintext;
        try {
            plaintext = fromClient.open(message);
        } catch (IllegalArgumentException notARecord) {
            end(ctx, WebSocketCloseStatus.PROTOCOL_ERROR);
            return;
        }
        TunnelRecord record = new TunnelRecord(plaintext[0], Unpooled.wrappedBuffer(plaintext, 1, plaintext.length - 1));
        if (state == State.CARRYING) {
            ctx.fireChannelRead(record);
        } else {
            carry(ctx, record);
        }
    }

    private void answerHello(ChannelHandlerContext ctx, byte[] hello) {
        Tunnel.Accepted accepted;
        try {
            accepted = identity.acceptTunnel(hello, random);
        } catch (IllegalArgumentException notAHello) {
            end(ctx, WebSocketCloseStatus.PROTOCOL_ERROR);
            return;
        }
        toClient = accepted.toClient();
        fromClient = accepted.fromClient();
        state = State.AWAITING_FIRST_RECORD;
        ctx.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(accepted.serverHello())));
    }

    /** The first record: what the tunnel carries from now on. */
    private void carry(ChannelHandlerContext ctx, TunnelRecord first) {
        setupDeadline.cancel(false);
        state = State.CARRYING;
        ChannelPipeline pipeline = ctx.pipeline();
        if (first.type() == Tunnel.OPEN_SESSION && !first.content().isReadable()) {
            first.release();
            pipeline.addLast("tunnel-frames", new TunnelFrames());
            sessionInstaller.accept(pipeline);
            ctx.fireUserEventTriggered(upgrade);
            upgrade = null; // its request headers are not kept for the session's life
        } else if (first.type() == Tunnel.HTTP_HEAD) {
            pipeline.addLast("tunnel-http", new TunnelHttpExchange());
            pipeline.addLast("tunnel-chunked", new ChunkedWriteHandler());
            pipeline.addLast("tunnel-route", new TunnelAttachmentRoute(attachments));
            ctx.fireChannelRead(first);
        } else {
            first.release();
            end(ctx, WebSocketCloseStatus.PROTOCOL_ERROR);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof TunnelRecord record) {
            BinaryWebSocketFrame sealed;
            try {
                sealed = seal(record);
            } catch (IllegalArgumentException tooLarge) {
                // Above what a tunnel record holds (as on a WebSocket, a client takes no larger frame).
                promise.setFailure(tooLarge);
                end(ctx, WebSocketCloseStatus.INTERNAL_SERVER_ERROR);
                return;
            }
            ctx.write(sealed, promise);
        } else if (msg instanceof CloseWebSocketFrame) {
            state = State.CLOSING;
            ctx.write(msg, promise);
        } else {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new IllegalStateException("only tunnel records leave a tunnel, not a " + msg.getClass().getSimpleName()));
        }
    }

    private BinaryWebSocketFrame seal(TunnelRecord record) {
        try {
            ByteBuf body = record.content();
            byte[] sealed = body.hasArray()
                    ? toClient.seal(record.type(), body.array(), body.arrayOffset() + body.readerIndex(), body.readableBytes())
                    : toClient.seal(record.type(), ByteBufUtil.getBytes(body));
            return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(sealed));
        } finally {
            record.release();
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        state = State.CLOSING;
        ctx.close(promise);
    }

    /** WebSocket-level failures (an oversized message, a reset): the handlers behind decide once it carries something. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state == State.CARRYING) {
            ctx.fireExceptionCaught(cause);
        } else {
            ctx.close();
        }
    }

    private void end(ChannelHandlerContext ctx, WebSocketCloseStatus status) {
        if (state != State.CLOSING) {
            state = State.CLOSING;
            refuse(ctx, status);
        }
    }
}
