package org.parley.mls.tree;

import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.List;

/** {@code UpdatePath} (RFC 9420 Section 7.6): the committer's new leaf and one node per filtered direct path entry. */
public record UpdatePath(LeafNode leafNode, List<UpdatePathNode> nodes) implements TlsEncodable {
    public UpdatePath {
        nodes = List.copyOf(nodes);
    }

    public static UpdatePath decode(TlsReader reader) {
        return new UpdatePath(LeafNode.decode(reader), reader.readVector(UpdatePathNode::decode));
    }

    @Override
    public void writeTo(TlsWriter writer) {
        leafNode.writeTo(writer);
        writer.writeVector(nodes, (w, n) -> n.writeTo(w));
    }
}
