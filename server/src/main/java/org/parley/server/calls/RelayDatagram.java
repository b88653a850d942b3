package org.parley.server.calls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The relay's wire messages, the same bytes over UDP and inside WebSocket binary frames. The
 * first byte is the type:
 *
 * <pre>
 * 0x01 JOIN    client→relay  type | call token (61 bytes, see {@link CallTokens})
 * 0x02 JOINED  relay→client  type | participant id (4 bytes): the token was accepted
 * 0x03 MEDIA   both ways     type | media packet (opaque to the relay: SFrame ciphertext)
 * 0x04 PING    client→relay  type | 8 bytes chosen by the client
 * 0x05 PONG    relay→client  type | the same 8 bytes: UDP still works
 * 0x06 LEAVE   client→relay  type
 * </pre>
 *
 * A MEDIA datagram is forwarded byte for byte. No reply is larger than its request, and only
 * admitted endpoints get replies at all, so the relay cannot be used to amplify a flood.
 */
public final class RelayDatagram {
    public static final byte JOIN = 0x01;
    public static final byte JOINED = 0x02;
    public static final byte MEDIA = 0x03;
    public static final byte PING = 0x04;
    public static final byte PONG = 0x05;
    public static final byte LEAVE = 0x06;

    public static final int JOIN_BYTES = 1 + CallTokens.TOKEN_BYTES;
    public static final int JOINED_BYTES = 5;
    public static final int PING_BYTES = 9;

    private RelayDatagram() {
    }

    public static byte[] join(byte[] token) {
        byte[] out = new byte[JOIN_BYTES];
        out[0] = JOIN;
        System.arraycopy(token, 0, out, 1, Math.min(token.length, CallTokens.TOKEN_BYTES));
        return out;
    }

    /** The token of a JOIN datagram, or null if the datagram has the wrong length for one. */
    static byte[] token(ByteBuf join) {
        if (join.readableBytes() != JOIN_BYTES) {
            return null;
        }
        byte[] token = new byte[CallTokens.TOKEN_BYTES];
        join.getBytes(join.readerIndex() + 1, token);
        return token;
    }

    static ByteBuf joined(ByteBufAllocator allocator, long participantId) {
        return allocator.buffer(JOINED_BYTES).writeByte(JOINED).writeInt((int) participantId);
    }

    /** The PONG answering {@code ping}, or null if it is not a well-formed PING. */
    static ByteBuf pong(ByteBufAllocator allocator, ByteBuf ping) {
        if (ping.readableBytes() != PING_BYTES) {
            return null;
        }
        return allocator.buffer(PING_BYTES).writeByte(PONG).writeBytes(ping, ping.readerIndex() + 1, PING_BYTES - 1);
    }

    public static byte[] media(byte[] mediaPacket) {
        byte[] out = new byte[1 + mediaPacket.length];
        out[0] = MEDIA;
        System.arraycopy(mediaPacket, 0, out, 1, mediaPacket.length);
        return out;
    }
}
