package org.parley.mls.tree;

import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * {@code opaque SignaturePublicKey<V>} (RFC 9420 Section 5.1.1): a signature verification key in the cipher suite's encoding.
 * Compared by content, so that keys can be looked up in hash sets (uniqueness checks, Section 7.3).
 */
public record SignaturePublicKey(byte[] bytes) implements TlsEncodable {
    public SignaturePublicKey {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public static SignaturePublicKey decode(TlsReader reader) {
        return new SignaturePublicKey(reader.readOpaque());
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeOpaque(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignaturePublicKey other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "SignaturePublicKey[" + HexFormat.of().formatHex(bytes) + "]";
    }
}
