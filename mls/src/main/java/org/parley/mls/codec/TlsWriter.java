package org.parley.mls.codec;

import java.util.Arrays;
import java.util.Collection;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** Writes the TLS presentation language with the MLS extensions of RFC 9420 Section 2.1. */
public final class TlsWriter {
    /** Largest length a variable-length integer can carry (2^30 - 1). */
    public static final int MAX_VARINT = (1 << 30) - 1;

    private byte[] buf;
    private int len;

    public TlsWriter() {
        this(64);
    }

    public TlsWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
        }
    }

    public TlsWriter writeUint8(int v) {
        ensure(1);
        buf[len++] = (byte) v;
        return this;
    }

    public TlsWriter writeUint16(int v) {
        ensure(2);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
        return this;
    }

    public TlsWriter writeUint32(long v) {
        ensure(4);
        for (int shift = 24; shift >= 0; shift -= 8) {
            buf[len++] = (byte) (v >>> shift);
        }
        return this;
    }

    public TlsWriter writeUint64(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[len++] = (byte) (v >>> shift);
        }
        return this;
    }

    /** Minimum-size variable-length integer (RFC 9420 Section 2.1.2). */
    public TlsWriter writeVarint(int v) {
        if (v < 0 || v > MAX_VARINT) {
            throw new IllegalArgumentException("value " + v + " does not fit a variable-length integer");
        }
        if (v < 0x40) {
            return writeUint8(v);
        } else if (v < 0x4000) {
            return writeUint16(0x4000 | v);
        }
        return writeUint32(0x80000000L | v);
    }

    /** {@code opaque x[n]}: raw bytes with no length. */
    public TlsWriter writeFixed(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, len, bytes.length);
        len += bytes.length;
        return this;
    }

    /** {@code opaque x<V>}. */
    public TlsWriter writeOpaque(byte[] bytes) {
        writeVarint(bytes.length);
        return writeFixed(bytes);
    }

    /** {@code opaque x[n]} from a value, read in place. */
    public TlsWriter writeFixed(Bytes bytes) {
        ensure(bytes.length());
        bytes.copyTo(buf, len);
        len += bytes.length();
        return this;
    }

    /** {@code opaque x<V>} from a value, read in place. */
    public TlsWriter writeOpaque(Bytes bytes) {
        writeVarint(bytes.length());
        return writeFixed(bytes);
    }

    /** A {@code <V>} vector whose body the callback writes; the length prefix is filled in afterwards. */
    public TlsWriter writeVectorBody(Consumer<TlsWriter> body) {
        TlsWriter inner = new TlsWriter();
        body.accept(inner);
        writeVarint(inner.len);
        ensure(inner.len);
        System.arraycopy(inner.buf, 0, buf, len, inner.len);
        len += inner.len;
        return this;
    }

    /** {@code T items<V>}. */
    public <T> TlsWriter writeVector(Collection<T> items, BiConsumer<TlsWriter, T> element) {
        return writeVectorBody(w -> {
            for (T item : items) {
                element.accept(w, item);
            }
        });
    }

    /** {@code optional<T>}: writes a presence octet, then the value when it is not null. */
    public <T> TlsWriter writeOptional(T value, BiConsumer<TlsWriter, T> writer) {
        if (value == null) {
            return writeUint8(0);
        }
        writeUint8(1);
        writer.accept(this, value);
        return this;
    }

    public int size() {
        return len;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    /** Encodes one value with the given writer. */
    public static <T> byte[] encode(T value, BiConsumer<TlsWriter, T> writer) {
        TlsWriter w = new TlsWriter();
        writer.accept(w, value);
        return w.toByteArray();
    }
}
