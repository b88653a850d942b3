package org.parley.server.webtransport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * HTTP datagrams in QUIC DATAGRAM frames (RFC 9297 section 2.1): a varint Quarter Stream ID (the
 * request stream that carries the WebTransport session, divided by four), then the payload.
 */
final class HttpDatagrams {
    private HttpDatagrams() {
    }

    /**
     * Reads the Quarter Stream ID at the reader index and leaves the reader index at the payload.
     *
     * @return the session's request stream id, or -1 for a datagram too short to name one
     */
    static long readStreamId(ByteBuf datagram) {
        long quarter = QuicVarint.read(datagram);
        // Stream ids are below 2^62; a quarter id over 2^60 names none (RFC 9297: a connection error we just drop).
        return quarter < 0 || quarter > QuicVarint.MAX_VALUE >>> 2 ? -1 : quarter * 4;
    }

    /** A datagram for the session on request stream {@code streamId}, carrying {@code payload} (not released). */
    static ByteBuf encode(ByteBufAllocator allocator, long streamId, ByteBuf payload) {
        if (streamId < 0 || (streamId & 3) != 0) {
            throw new IllegalArgumentException("HTTP datagrams belong to client-initiated bidirectional streams, not " + streamId);
        }
        long quarter = streamId >>> 2;
        ByteBuf out = allocator.buffer(QuicVarint.length(quarter) + payload.readableBytes());
        QuicVarint.write(out, quarter);
        return out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
    }
}
