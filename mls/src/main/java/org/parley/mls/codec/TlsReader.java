package org.parley.mls.codec;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reads the TLS presentation language as RFC 9420 Section 2.1 extends it: fixed-width integers,
 * {@code optional<T>} and vectors with a variable-length (QUIC-style, minimum-size) length prefix.
 *
 * <p>A length prefix is checked against the bytes actually present before anything is allocated,
 * so hostile lengths cannot make the reader allocate more than its input.
 */
public final class TlsReader {
    private final byte[] data;
    private final int end;
    private final int base;
    private int pos;

    public TlsReader(byte[] data) {
        this(data, 0, data.length, 0);
    }

    private TlsReader(byte[] data, int start, int end, int base) {
        this.data = data;
        this.pos = start;
        this.end = end;
        this.base = base;
    }

    /** Offset of the next byte, counted from the start of the outermost input. */
    public int position() {
        return pos;
    }

    public int remaining() {
        return end - pos;
    }

    public boolean hasRemaining() {
        return pos < end;
    }

    private void need(int n, String what) {
        if (n < 0 || end - pos < n) {
            throw new DecodeException("truncated " + what + ": need " + n + " bytes, " + (end - pos) + " left", pos);
        }
    }

    public int readUint8() {
        need(1, "uint8");
        return data[pos++] & 0xff;
    }

    public int readUint16() {
        need(2, "uint16");
        int v = ((data[pos] & 0xff) << 8) | (data[pos + 1] & 0xff);
        pos += 2;
        return v;
    }

    /** A uint32 as a non-negative long. */
    public long readUint32() {
        need(4, "uint32");
        long v = 0;
        for (int i = 0; i < 4; i++) {
            v = (v << 8) | (data[pos++] & 0xff);
        }
        return v;
    }

    /** A uint64; values above Long.MAX_VALUE come back negative (two's complement), as Java has no unsigned long. */
    public long readUint64() {
        need(8, "uint64");
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (data[pos++] & 0xff);
        }
        return v;
    }

    /** The variable-length integer of RFC 9420 Section 2.1.2, rejecting prefix 11 and non-minimal encodings. */
    public int readVarint() {
        int start = pos;
        int first = readUint8();
        int prefix = first >>> 6;
        if (prefix == 3) {
            throw new DecodeException("invalid variable-length integer prefix 0b11", start);
        }
        int length = 1 << prefix;
        need(length - 1, "variable-length integer");
        long v = first & 0x3f;
        for (int i = 1; i < length; i++) {
            v = (v << 8) | (data[pos++] & 0xff);
        }
        if (prefix >= 1 && v < (1L << (8 * (length / 2) - 2))) {
            throw new DecodeException("variable-length integer " + v + " not minimally encoded", start);
        }
        return (int) v;
    }

    /** {@code opaque x[n]}: exactly n bytes. */
    public byte[] readFixed(int n, String what) {
        need(n, what);
        byte[] out = new byte[n];
        System.arraycopy(data, pos, out, 0, n);
        pos += n;
        return out;
    }

    /** {@code opaque x[n]} as a value, holding the bytes just read without a second copy. */
    public Bytes readFixedBytes(int n, String what) {
        return Bytes.owning(readFixed(n, what));
    }

    /** {@code opaque x<V>} as a value, holding the bytes just read without a second copy. */
    public Bytes readOpaqueBytes() {
        return Bytes.owning(readOpaque());
    }

    /** {@code opaque x<V>}: a variable-length vector of bytes. */
    public byte[] readOpaque() {
        int start = pos;
        int len = readVarint();
        if (len > remaining()) {
            throw new DecodeException("vector length " + len + " exceeds the " + remaining() + " bytes left", start);
        }
        return readFixed(len, "vector");
    }

    /** A reader over the body of the next {@code <V>} vector; the caller must consume it entirely. */
    public TlsReader readVectorBody() {
        int start = pos;
        int len = readVarint();
        if (len > remaining()) {
            throw new DecodeException("vector length " + len + " exceeds the " + remaining() + " bytes left", start);
        }
        TlsReader body = new TlsReader(data, pos, pos + len, base);
        pos += len;
        return body;
    }

    /** {@code T items<V>}: decodes elements until the vector's bytes are used up. */
    public <T> List<T> readVector(Function<TlsReader, T> element) {
        TlsReader body = readVectorBody();
        List<T> items = new ArrayList<>();
        while (body.hasRemaining()) {
            items.add(element.apply(body));
        }
        return items;
    }

    /** {@code optional<T>} (RFC 9420 Section 2.1.1): null when absent; a presence octet other than 0 or 1 is malformed. */
    public <T> T readOptional(Function<TlsReader, T> value) {
        int start = pos;
        int present = readUint8();
        return switch (present) {
            case 0 -> null;
            case 1 -> value.apply(this);
            default -> throw new DecodeException("optional presence octet must be 0 or 1, was " + present, start);
        };
    }

    /** Fails unless every byte was consumed: trailing bytes are malformed input, not padding. */
    public void requireEnd(String what) {
        if (pos != end) {
            throw new DecodeException((end - pos) + " unexpected bytes after " + what, pos);
        }
    }

    /** A reader over a value's bytes in place: a reader never writes to its input. */
    public TlsReader(Bytes bytes) {
        this(bytes.array());
    }

    /** Decodes one whole value and rejects trailing bytes. */
    public static <T> T decodeExactly(Bytes bytes, Function<TlsReader, T> decoder, String what) {
        return decodeExactly(bytes.array(), decoder, what);
    }

    /** Decodes one whole value and rejects trailing bytes. */
    public static <T> T decodeExactly(byte[] bytes, Function<TlsReader, T> decoder, String what) {
        TlsReader reader = new TlsReader(bytes);
        T value = decoder.apply(reader);
        reader.requireEnd(what);
        return value;
    }
}
