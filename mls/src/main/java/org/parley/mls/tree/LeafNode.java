package org.parley.mls.tree;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.credentials.Credential;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.SignaturePrivateKey;
import org.parley.mls.extensions.Capabilities;
import org.parley.mls.extensions.Extension;

import java.util.List;
import java.util.Objects;

/**
 * {@code LeafNode} (RFC 9420 Section 7.2): a member's keys, credential and capabilities, signed by
 * the member. {@code lifetime} is set only for {@link LeafNodeSource#KEY_PACKAGE} and
 * {@code parentHash} only for {@link LeafNodeSource#COMMIT}; the other is null.
 */
public record LeafNode(HpkePublicKey encryptionKey, SignaturePublicKey signatureKey, Credential credential,
                       Capabilities capabilities, LeafNodeSource leafNodeSource, Lifetime lifetime,
                       Bytes parentHash, List<Extension> extensions, Bytes signature) implements TlsEncodable {
    private static final String SIGNATURE_LABEL = "LeafNodeTBS";

    public LeafNode {
        if ((lifetime != null) != (leafNodeSource == LeafNodeSource.KEY_PACKAGE)) {
            throw new IllegalArgumentException("lifetime is present exactly for leaf_node_source key_package");
        }
        if ((parentHash != null) != (leafNodeSource == LeafNodeSource.COMMIT)) {
            throw new IllegalArgumentException("parent_hash is present exactly for leaf_node_source commit");
        }
        extensions = List.copyOf(extensions);
        Objects.requireNonNull(signature, "signature");
    }

    public static LeafNode decode(TlsReader reader) {
        HpkePublicKey encryptionKey = KeyCodec.readHpkePublicKey(reader);
        SignaturePublicKey signatureKey = KeyCodec.readSignaturePublicKey(reader);
        Credential credential = Credential.decode(reader);
        Capabilities capabilities = Capabilities.decode(reader);
        LeafNodeSource source = LeafNodeSource.decode(reader);
        Lifetime lifetime = source == LeafNodeSource.KEY_PACKAGE ? Lifetime.decode(reader) : null;
        Bytes parentHash = source == LeafNodeSource.COMMIT ? reader.readOpaqueBytes() : null;
        List<Extension> extensions = Extension.decodeList(reader);
        Bytes signature = reader.readOpaqueBytes();
        return new LeafNode(encryptionKey, signatureKey, credential, capabilities, source, lifetime, parentHash,
                extensions, signature);
    }

    /**
     * This leaf's content signed with SignWithLabel(., "LeafNodeTBS", LeafNodeTBS) (Section 7.2);
     * {@code groupId} and {@code leafIndex} are ignored for key_package leaves.
     */
    public LeafNode sign(CipherSuite suite, SignaturePrivateKey key, byte[] groupId, int leafIndex) {
        Bytes newSignature = Bytes.copyOf(suite.signWithLabel(key, SIGNATURE_LABEL, toBeSigned(groupId, leafIndex)));
        return new LeafNode(encryptionKey, signatureKey, credential, capabilities, leafNodeSource, lifetime,
                parentHash, extensions, newSignature);
    }

    /** Whether the signature is valid under this leaf's own signature key (Section 7.3, second check). */
    public boolean verifySignature(CipherSuite suite, byte[] groupId, int leafIndex) {
        return suite.verifyWithLabel(signatureKey, SIGNATURE_LABEL, toBeSigned(groupId, leafIndex), signature.toByteArray());
    }

    /**
     * The encoded {@code LeafNodeTBS}: the content plus, for {@code update} and {@code commit}
     * leaves, the group id and leaf index the signature binds to (both ignored for key_package).
     */
    public byte[] toBeSigned(byte[] groupId, int leafIndex) {
        TlsWriter writer = new TlsWriter();
        writeContent(writer);
        if (leafNodeSource != LeafNodeSource.KEY_PACKAGE) {
            writer.writeOpaque(groupId).writeUint32(Integer.toUnsignedLong(leafIndex));
        }
        return writer.toByteArray();
    }

    private void writeContent(TlsWriter writer) {
        writer.writeOpaque(encryptionKey.bytes());
        writer.writeOpaque(signatureKey.bytes());
        credential.writeTo(writer);
        capabilities.writeTo(writer);
        writer.writeUint8(leafNodeSource.value());
        switch (leafNodeSource) {
            case KEY_PACKAGE -> lifetime.writeTo(writer);
            case UPDATE -> { }
            case COMMIT -> writer.writeOpaque(parentHash);
        }
        Extension.writeList(writer, extensions);
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writeContent(writer);
        writer.writeOpaque(signature);
    }

    @Override
    public String toString() {
        return "LeafNode[" + leafNodeSource + ", " + credential + ", " + encryptionKey + "]";
    }
}
