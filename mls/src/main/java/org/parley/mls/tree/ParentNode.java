package org.parley.mls.tree;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.HpkePublicKey;

import java.util.List;
import java.util.Objects;

/**
 * {@code ParentNode} (RFC 9420 Section 7.1). {@code unmerged_leaves} are leaf indices, which
 * Section 7.1 requires to be sorted in increasing order; decoding rejects any other order.
 * Leaf indices are uint32 held in an int; whether one exists is checked against the tree.
 */
public record ParentNode(HpkePublicKey encryptionKey, Bytes parentHash, List<Integer> unmergedLeaves)
        implements TlsEncodable {
    public ParentNode {
        Objects.requireNonNull(parentHash, "parentHash");
        unmergedLeaves = List.copyOf(unmergedLeaves);
    }

    public static ParentNode decode(TlsReader reader) {
        HpkePublicKey key = KeyCodec.readHpkePublicKey(reader);
        Bytes parentHash = reader.readOpaqueBytes();
        int start = reader.position();
        List<Integer> unmerged = reader.readVector(r -> (int) r.readUint32());
        for (int i = 1; i < unmerged.size(); i++) {
            if (Integer.compareUnsigned(unmerged.get(i), unmerged.get(i - 1)) <= 0) {
                throw new DecodeException("unmerged_leaves not in strictly increasing order", start);
            }
        }
        return new ParentNode(key, parentHash, unmerged);
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeOpaque(encryptionKey.bytes());
        writer.writeOpaque(parentHash);
        writer.writeVector(unmergedLeaves, (w, i) -> w.writeUint32(Integer.toUnsignedLong(i)));
    }

    @Override
    public String toString() {
        return "ParentNode[" + encryptionKey + ", unmerged=" + unmergedLeaves + "]";
    }
}
