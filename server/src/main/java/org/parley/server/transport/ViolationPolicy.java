package org.parley.server.transport;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.parley.protocol.v1.Error;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * The last handler of a WebSocket pipeline: answers each {@link ProtocolViolation} with an error
 * frame, and closes the connection (status 1008) once it has violated the protocol more than
 * {@code maxViolations} times. Any other failure closes only this connection.
 */
public final class ViolationPolicy extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ViolationPolicy.class);

    private final Metrics metrics;
    private final int maxViolations;
    private int violations;

    public ViolationPolicy(Metrics metrics, int maxViolations) {
        this.metrics = metrics;
        this.maxViolations = maxViolations;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ProtocolViolation violation) {
            metrics.error(violation.code());
            ServerFrame error = ServerFrame.newBuilder().setRequestId(violation.requestId())
                    .setError(Error.newBuilder().setCode(violation.code()).setMessage(violation.getMessage())
                            .setRetryAfterMs(violation.retryAfter().toMillis())).build();
            violations++;
            if (violations > maxViolations) {
                ctx.write(error);
                ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.POLICY_VIOLATION,
                        "too many protocol violations")).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.writeAndFlush(error);
            }
        } else if (cause instanceof TooLongFrameException || cause instanceof CorruptedFrameException) {
            // The WebSocket layer already answered with its own close frame; nothing more to say.
            ctx.close();
        } else if (cause instanceof IOException) {
            ctx.close(); // the peer went away
        } else {
            log.warn("closing a connection after an unexpected {}", cause.getClass().getName(), new WithoutMessages(cause));
            ctx.close();
        }
    }

    /**
     * A failure as the log may show it: the class and stack trace of each exception in the cause
     * chain, without their messages, which lower layers fill with bytes the peer sent.
     */
    private static final class WithoutMessages extends Exception {
        WithoutMessages(Throwable original) {
            super(original.getClass().getName(), original.getCause() == null ? null : new WithoutMessages(original.getCause()));
            setStackTrace(original.getStackTrace());
        }
    }
}
