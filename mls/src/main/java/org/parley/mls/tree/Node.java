package org.parley.mls.tree;

import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.HpkePublicKey;

/**
 * {@code Node} of the ratchet tree (RFC 9420 Section 12.4.3.3, {@code NodeType} Section 7.8):
 * a leaf or a parent. A blank node is represented by the absence of a Node (null).
 */
public sealed interface Node extends TlsEncodable permits Node.Leaf, Node.Parent {
    int LEAF = 1;
    int PARENT = 2;

    HpkePublicKey encryptionKey();

    record Leaf(LeafNode leafNode) implements Node {
        @Override
        public HpkePublicKey encryptionKey() {
            return leafNode.encryptionKey();
        }

        @Override
        public void writeTo(TlsWriter writer) {
            writer.writeUint8(LEAF);
            leafNode.writeTo(writer);
        }
    }

    record Parent(ParentNode parentNode) implements Node {
        @Override
        public HpkePublicKey encryptionKey() {
            return parentNode.encryptionKey();
        }

        @Override
        public void writeTo(TlsWriter writer) {
            writer.writeUint8(PARENT);
            parentNode.writeTo(writer);
        }
    }

    static Node decode(TlsReader reader) {
        int start = reader.position();
        int type = reader.readUint8();
        return switch (type) {
            case LEAF -> new Leaf(LeafNode.decode(reader));
            case PARENT -> new Parent(ParentNode.decode(reader));
            default -> throw new DecodeException("unknown node_type " + type, start);
        };
    }
}
