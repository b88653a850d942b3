package org.parley.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.parley.protocol.Tunnel;

import java.util.List;

/**
 * A tunnelled session's records as the binary messages of a WebSocket, so that the session's
 * handlers behind cannot tell the two apart: each {@link Tunnel#FRAME} record in becomes the
 * message it holds, and each binary message written becomes a FRAME record. Any other record ends
 * the tunnel (1002): a session's tunnel carries frames only.
 */
final class TunnelFrames extends MessageToMessageCodec<TunnelRecord, BinaryWebSocketFrame> {
    @Override
    protected void decode(ChannelHandlerContext ctx, TunnelRecord record, List<Object> out) {
        if (record.type() == Tunnel.FRAME) {
            out.add(new BinaryWebSocketFrame(record.content().retain()));
        } else {
            TunnelHandler.refuse(ctx, WebSocketCloseStatus.PROTOCOL_ERROR);
        }
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, BinaryWebSocketFrame frame, List<Object> out) {
        out.add(new TunnelRecord(Tunnel.FRAME, frame.content().retain()));
    }
}
