package org.parley.mls.codec;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An immutable byte string that is a value: an id, a hash, a public key, a tag, an encoded
 * structure. Equality and hash code compare the contents, so a record holding a {@code Bytes}
 * compares by value where one holding a {@code byte[]} compares by identity. The array inside is
 * never handed out: {@link #toByteArray()} copies; {@link #copyTo}, {@link #asReadOnlyBuffer()}
 * and {@link TlsWriter#writeOpaque(Bytes)} read it in place, and {@link TlsReader#readOpaqueBytes()}
 * builds one around the array it has just read, without a second copy.
 *
 * <p>For public values only: {@link #toString()} prints the bytes in hex. Secrets (epoch
 * secrets, private keys, path secrets) stay in types that never print them. Tags and other
 * values an attacker may probe are compared with {@link #constantTimeEquals}.
 */
public final class Bytes implements Comparable<Bytes> {
    public static final Bytes EMPTY = new Bytes(new byte[0]);

    /** How many bytes {@link #toString()} shows before it abbreviates. */
    private static final int SHOWN = 32;
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] bytes;
    /** Cached hash code; 0 until computed (as String does). */
    private int hash;

    private Bytes(byte[] owned) {
        this.bytes = owned;
    }

    /** A copy of {@code bytes}: later changes to the array do not reach the value. */
    public static Bytes copyOf(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new Bytes(bytes.clone());
    }

    /** A copy of {@code length} bytes of {@code bytes} from {@code offset}. */
    public static Bytes copyOf(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        return length == 0 ? EMPTY : new Bytes(Arrays.copyOfRange(bytes, offset, offset + length));
    }

    /** The value of a hex string (upper or lower case, no separators). */
    public static Bytes fromHex(String hex) {
        return owning(HEX.parseHex(hex));
    }

    /**
     * Takes an array nobody else holds, without copying: for the codec, which has just read it.
     * Package-private so that no caller can keep a reference and change the value later.
     */
    static Bytes owning(byte[] fresh) {
        return fresh.length == 0 ? EMPTY : new Bytes(fresh);
    }

    /** The array itself, for the codec's readers, which only read it. */
    byte[] array() {
        return bytes;
    }

    public int length() {
        return bytes.length;
    }

    public boolean isEmpty() {
        return bytes.length == 0;
    }

    public byte byteAt(int index) {
        return bytes[index];
    }

    /** A fresh copy of the bytes, which the caller may change. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** Copies the bytes into {@code destination} from {@code offset}. */
    public void copyTo(byte[] destination, int offset) {
        System.arraycopy(bytes, 0, destination, offset, bytes.length);
    }

    /** The bytes as a read-only buffer over the same memory, for digests and channels. */
    public ByteBuffer asReadOnlyBuffer() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    /** Equality in time that depends only on the lengths, for tags and other values an attacker may probe. */
    public boolean constantTimeEquals(Bytes other) {
        return other != null && MessageDigest.isEqual(bytes, other.bytes);
    }

    /** {@link #constantTimeEquals(Bytes)} against a computed array. */
    public boolean constantTimeEquals(byte[] other) {
        return other != null && MessageDigest.isEqual(bytes, other);
    }

    public String toHex() {
        return HEX.formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof Bytes other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0 && bytes.length > 0) {
            h = Arrays.hashCode(bytes);
            hash = h;
        }
        return h;
    }

    /** Unsigned lexicographic order (a prefix first), consistent with {@link #equals}. */
    @Override
    public int compareTo(Bytes other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    /** Hex, abbreviated after 32 bytes with the length: these are public values. */
    @Override
    public String toString() {
        if (bytes.length <= SHOWN) {
            return toHex();
        }
        return HEX.formatHex(bytes, 0, SHOWN) + "…(" + bytes.length + " bytes)";
    }
}
