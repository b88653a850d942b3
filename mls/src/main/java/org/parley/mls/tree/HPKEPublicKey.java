package org.parley.mls.tree;

import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * {@code opaque HPKEPublicKey<V>} (RFC 9420 Section 5.1.1): a KEM public key in its SerializePublicKey form.
 * Compared by content, so that keys can be looked up in hash sets (uniqueness checks, Section 7.3).
 */
public record HPKEPublicKey(byte[] bytes) implements TlsEncodable {
    public HPKEPublicKey {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public static HPKEPublicKey decode(TlsReader reader) {
        return new HPKEPublicKey(reader.readOpaque());
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeOpaque(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HPKEPublicKey other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "HPKEPublicKey[" + HexFormat.of().formatHex(bytes) + "]";
    }
}
