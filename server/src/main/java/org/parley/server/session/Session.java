package org.parley.server.session;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import org.parley.protocol.v1.Error;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.metrics.Metrics;
import org.parley.server.transport.ClientAddress;
import org.parley.server.transport.ProtocolViolation;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * One WebSocket connection's state: its challenge, the device it signed in as, and the serial
 * executor its requests run on. The source address is read only on demand for the in-memory
 * registration limit and never kept.
 */
public final class Session {
    private final ChannelHandlerContext ctx;
    private final byte[] challenge;
    private final SerialExecutor requests;
    private final Metrics metrics;
    private volatile SignedIn device;
    private volatile DeliveryStream delivery;

    Session(ChannelHandlerContext ctx, byte[] challenge, Executor pool, Metrics metrics) {
        this.ctx = ctx;
        this.challenge = challenge;
        this.requests = new SerialExecutor(pool);
        this.metrics = metrics;
    }

    public byte[] challenge() {
        return challenge.clone();
    }

    /** The signed-in device, or null before authentication. */
    public SignedIn signedIn() {
        return device;
    }

    public boolean isAuthenticated() {
        return device != null;
    }

    /**
     * Marks the connection signed in, so that frames the client sends once it sees the answer are
     * accepted; the caller answers, then starts {@code stream}.
     */
    public void signIn(SignedIn who, DeliveryStream stream) {
        this.delivery = stream;
        this.device = who;
    }

    public Channel channel() {
        return ctx.channel();
    }

    /** The client's address as {@link ClientAddress} knows it (behind a trusted proxy too); null without an IP peer. */
    public InetAddress sourceAddress() {
        return ClientAddress.of(ctx.channel());
    }

    SerialExecutor requests() {
        return requests;
    }

    DeliveryStream delivery() {
        return delivery;
    }

    public void reply(long requestId, ServerFrame.Builder frame) {
        ctx.channel().writeAndFlush(frame.setRequestId(requestId).build());
    }

    public void fail(long requestId, ErrorCode code, String message) {
        fail(requestId, code, message, Duration.ZERO);
    }

    /** An error that says when to try again (a limit), in Error.retry_after_ms. */
    public void fail(long requestId, ErrorCode code, String message, Duration retryAfter) {
        metrics.error(code);
        reply(requestId, ServerFrame.newBuilder().setError(Error.newBuilder().setCode(code).setMessage(message)
                .setRetryAfterMs(retryAfter.toMillis())));
    }

    /** Reports a violation through the pipeline so that the violation policy counts it. */
    public void violation(ProtocolViolation violation) {
        if (ctx.executor().inEventLoop()) {
            ctx.fireExceptionCaught(violation);
        } else {
            ctx.executor().execute(() -> ctx.fireExceptionCaught(violation));
        }
    }
}
