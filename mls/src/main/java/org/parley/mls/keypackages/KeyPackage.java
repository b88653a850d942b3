package org.parley.mls.keypackages;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.extensions.Extension;
import org.parley.mls.tree.KeyCodec;
import org.parley.mls.tree.LeafNode;

import java.util.List;
import java.util.Objects;

/**
 * {@code KeyPackage} (RFC 9420 Section 10): what a client pre-publishes so that others can add it.
 * {@link #toBeSigned()} is the encoded {@code KeyPackageTBS}; validation is in {@link KeyPackageValidator}.
 */
public record KeyPackage(int version, int cipherSuite, HpkePublicKey initKey, LeafNode leafNode,
                         List<Extension> extensions, Bytes signature) implements TlsEncodable {
    public KeyPackage {
        extensions = List.copyOf(extensions);
        Objects.requireNonNull(signature, "signature");
    }

    public static KeyPackage decode(TlsReader reader) {
        return new KeyPackage(reader.readUint16(), reader.readUint16(), KeyCodec.readHpkePublicKey(reader),
                LeafNode.decode(reader), Extension.decodeList(reader), reader.readOpaqueBytes());
    }

    /** The encoded {@code KeyPackageTBS}: every field but the signature. */
    public byte[] toBeSigned() {
        TlsWriter writer = new TlsWriter();
        writeContent(writer);
        return writer.toByteArray();
    }

    private void writeContent(TlsWriter writer) {
        writer.writeUint16(version).writeUint16(cipherSuite);
        writer.writeOpaque(initKey.bytes());
        leafNode.writeTo(writer);
        Extension.writeList(writer, extensions);
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writeContent(writer);
        writer.writeOpaque(signature);
    }

    @Override
    public String toString() {
        return "KeyPackage[suite=" + cipherSuite + ", " + leafNode + "]";
    }
}
