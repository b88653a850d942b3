package org.parley.server.calls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.net.InetSocketAddress;
import java.security.SecureRandom;

/**
 * The relay's UDP datagrams (over the WebSocket fallback, {@code JoinCallOverWebSocket} carries
 * the token and {@code MediaFrame} the bytes of a MEDIA datagram after its type). The first byte
 * is the type:
 *
 * <pre>
 * 0x01 JOIN    client→relay  type | sealed call token | time | nonce | relay address | MAC (132 bytes, see {@link JoinDatagram})
 * 0x02 JOINED  relay→client  type | participant id (4 bytes): the JOIN was accepted
 * 0x03 MEDIA   both ways     type | media packet without its call id (opaque to the relay: SFrame ciphertext)
 * 0x04 PING    client→relay  type | 8 bytes chosen by the client | up to 151 bytes of padding
 * 0x05 PONG    relay→client  type | the same bytes, padding included: UDP still works
 * 0x06 LEAVE   client→relay  type
 * </pre>
 *
 * A MEDIA datagram is forwarded byte for byte. No reply is larger than its request, and only
 * admitted endpoints get replies at all, so the relay cannot be used to amplify a flood.
 *
 * <p>No datagram carries the call id in clear: the token in a JOIN is sealed (a fresh one looks
 * unrelated to any other), the participant id in JOINED and in media packets is a keyed hash of
 * call and device (unlinkable across calls), and clients leave the call id, which both ends know,
 * out of the media packets they send through the relay (see the client's {@code RelayMedia}).
 * The relay maps a UDP sender to its participant by address, after its JOIN.
 */
public final class RelayDatagram {
    public static final byte JOIN = 0x01;
    public static final byte JOINED = 0x02;
    public static final byte MEDIA = 0x03;
    public static final byte PING = 0x04;
    public static final byte PONG = 0x05;
    public static final byte LEAVE = 0x06;

    public static final int JOIN_BYTES = JoinDatagram.BYTES;
    public static final int JOINED_BYTES = 5;
    public static final int PING_BYTES = 9;
    /**
     * A PING may be padded up to a voice frame's size, so that a client can measure whether a
     * path carries a call's packet rate and size without sending media over it (a throttle lets
     * small probes through). The PONG is the same size, so it amplifies nothing.
     */
    public static final int MAX_PING_BYTES = 160;

    private static final SecureRandom NONCES = new SecureRandom();

    private RelayDatagram() {
    }

    /** A JOIN of {@code token} for the relay at {@code relay}, timed now with a fresh nonce. */
    public static byte[] join(byte[] token, byte[] joinKey, InetSocketAddress relay) {
        byte[] nonce = new byte[JoinDatagram.NONCE_BYTES];
        NONCES.nextBytes(nonce);
        return JoinDatagram.encode(token, joinKey, System.currentTimeMillis(), nonce, relay);
    }

    static ByteBuf joined(ByteBufAllocator allocator, long participantId) {
        return allocator.buffer(JOINED_BYTES).writeByte(JOINED).writeInt((int) participantId);
    }

    /** The PONG answering {@code ping}, or null if it is not a well-formed PING. */
    static ByteBuf pong(ByteBufAllocator allocator, ByteBuf ping) {
        int length = ping.readableBytes();
        if (length < PING_BYTES || length > MAX_PING_BYTES) {
            return null;
        }
        return allocator.buffer(length).writeByte(PONG).writeBytes(ping, ping.readerIndex() + 1, length - 1);
    }

    public static byte[] media(byte[] mediaPacket) {
        byte[] out = new byte[1 + mediaPacket.length];
        out[0] = MEDIA;
        System.arraycopy(mediaPacket, 0, out, 1, mediaPacket.length);
        return out;
    }
}
