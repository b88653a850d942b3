package org.parley.server.testing;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import org.parley.protocol.Tunnel;

import java.security.SecureRandom;

/**
 * A session's client end of a tunnel, for {@link TestClient}: once the WebSocket is up it sends the
 * tunnel's hello, checks the answer against the server's key and opens a session; only then do the
 * handlers behind it learn that the WebSocket is up. From then on each binary message goes each
 * way as a FRAME record, so the client behind works as it does on a WebSocket.
 */
final class TunnelSessionCodec extends ChannelDuplexHandler {
    private final byte[] serverKey;
    private final Tunnel.ClientHandshake handshake = new Tunnel.ClientHandshake(new SecureRandom());
    private Object webSocketUp;
    private Tunnel.ClientKeys keys;

    TunnelSessionCodec(byte[] serverKey) {
        this.serverKey = serverKey;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            webSocketUp = event;
            ctx.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(handshake.hello())));
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof BinaryWebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        byte[] message = ByteBufUtil.getBytes(frame.content());
        frame.release();
        if (keys == null) {
            keys = handshake.finish(message, serverKey);
            ctx.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(keys.toServer().seal(Tunnel.OPEN_SESSION, new byte[0]))));
            ctx.fireUserEventTriggered(webSocketUp);
            return;
        }
        byte[] plaintext = keys.fromServer().open(message);
        if (plaintext[0] != Tunnel.FRAME) {
            throw new IllegalStateException("a session's tunnel carried a record of type " + plaintext[0]);
        }
        ctx.fireChannelRead(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(plaintext, 1, plaintext.length - 1)));
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof BinaryWebSocketFrame frame) {
            byte[] sealed = keys.toServer().seal(Tunnel.FRAME, ByteBufUtil.getBytes(frame.content()));
            frame.release();
            ctx.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(sealed)), promise);
        } else {
            ctx.write(msg, promise);
        }
    }
}
