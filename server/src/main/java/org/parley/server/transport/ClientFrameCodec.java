package org.parley.server.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.parley.protocol.Limits;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.metrics.Metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Binary WebSocket messages to {@link ClientFrame}s and {@link ServerFrame}s back. Bytes that are
 * not a ClientFrame, text messages and frames above {@link Limits#MAX_CLIENT_FRAME_BYTES} become
 * {@link ProtocolViolation}s; the codec holds no other logic.
 */
public final class ClientFrameCodec extends MessageToMessageCodec<WebSocketFrame, ServerFrame> {
    private final Metrics metrics;

    public ClientFrameCodec(Metrics metrics) {
        this.metrics = metrics;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        metrics.frameReceived();
        if (!(frame instanceof BinaryWebSocketFrame)) {
            ctx.fireExceptionCaught(new ProtocolViolation(0, ErrorCode.UNSUPPORTED,
                    "only binary WebSocket messages holding a parley.v1.ClientFrame are accepted, got "
                            + frame.getClass().getSimpleName()));
            return;
        }
        ByteBuf content = frame.content();
        int size = content.readableBytes();
        if (size > Limits.MAX_CLIENT_FRAME_BYTES) {
            ctx.fireExceptionCaught(new ProtocolViolation(0, ErrorCode.FRAME_TOO_LARGE,
                    "frame of " + size + " bytes exceeds the limit of " + Limits.MAX_CLIENT_FRAME_BYTES + " bytes"));
            return;
        }
        try {
            out.add(ClientFrame.parseFrom(content.nioBuffer()));
        } catch (InvalidProtocolBufferException e) {
            ctx.fireExceptionCaught(new ProtocolViolation(0, ErrorCode.MALFORMED_FRAME,
                    "frame of " + size + " bytes is not a parley.v1.ClientFrame: " + e.getMessage()));
        }
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ServerFrame frame, List<Object> out) {
        int size = frame.getSerializedSize();
        ByteBuf buffer = ctx.alloc().buffer(size, size);
        try (ByteBufOutputStream stream = new ByteBufOutputStream(buffer)) {
            frame.writeTo(stream);
        } catch (IOException e) {
            buffer.release();
            throw new UncheckedIOException("encoding a ServerFrame into memory failed", e);
        }
        metrics.frameSent();
        out.add(new BinaryWebSocketFrame(buffer));
    }
}
