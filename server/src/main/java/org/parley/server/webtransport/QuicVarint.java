package org.parley.server.webtransport;

import io.netty.buffer.ByteBuf;

/**
 * QUIC variable-length integers (RFC 9000 section 16): the two high bits of the first byte give
 * the length (1, 2, 4 or 8 bytes), the rest is the value, big-endian. HTTP datagrams start with
 * one (RFC 9297 section 2.1).
 */
final class QuicVarint {
    /** The largest value a varint can carry: 2^62 - 1. */
    static final long MAX_VALUE = (1L << 62) - 1;

    private QuicVarint() {
    }

    /**
     * Reads one varint at the reader index and advances past it.
     *
     * @return the value, or -1 (reader index unchanged) when {@code in} is shorter than the length its first byte announces
     */
    static long read(ByteBuf in) {
        if (!in.isReadable()) {
            return -1;
        }
        int first = in.getUnsignedByte(in.readerIndex());
        int length = 1 << (first >>> 6);
        if (in.readableBytes() < length) {
            return -1;
        }
        long value = first & 0x3f;
        in.skipBytes(1);
        for (int i = 1; i < length; i++) {
            value = (value << 8) | in.readUnsignedByte();
        }
        return value;
    }

    /** Writes {@code value} in the shortest form. */
    static void write(ByteBuf out, long value) {
        if (value < 0 || value > MAX_VALUE) {
            throw new IllegalArgumentException("a QUIC varint carries 0 to 2^62-1, not " + value);
        }
        if (value < 1L << 6) {
            out.writeByte((int) value);
        } else if (value < 1L << 14) {
            out.writeShort((int) (0x4000 | value));
        } else if (value < 1L << 30) {
            out.writeInt((int) (0x8000_0000L | value));
        } else {
            out.writeLong(0xC000_0000_0000_0000L | value);
        }
    }

    /** How many bytes {@link #write} uses for {@code value}. */
    static int length(long value) {
        return value < 1L << 6 ? 1 : value < 1L << 14 ? 2 : value < 1L << 30 ? 4 : 8;
    }
}
