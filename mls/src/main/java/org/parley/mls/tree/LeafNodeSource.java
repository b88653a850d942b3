package org.parley.mls.tree;

import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsReader;

/** {@code enum LeafNodeSource} (RFC 9420 Section 7.2): how a leaf came into the tree. */
public enum LeafNodeSource {
    KEY_PACKAGE(1), UPDATE(2), COMMIT(3);

    private final int value;

    LeafNodeSource(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    public static LeafNodeSource decode(TlsReader reader) {
        int start = reader.position();
        int v = reader.readUint8();
        for (LeafNodeSource s : values()) {
            if (s.value == v) {
                return s;
            }
        }
        throw new DecodeException("unknown leaf_node_source " + v, start);
    }
}
