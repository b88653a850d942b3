package org.parley.mls.tree;

import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code optional<Node> ratchet_tree<V>} (RFC 9420 Section 12.4.3.3): the nodes in array order,
 * null for blank. Decoding checks that the last node is non-blank, that leaves sit at even and
 * parents at odd positions, and pads with blanks to a full tree of 2^(d+1)-1 nodes; encoding
 * omits the trailing blanks, as senders must.
 */
public final class RatchetTreeCodec {
    private RatchetTreeCodec() {
    }

    /** The node array padded to full width; position i is node index i. */
    public static List<Node> decode(TlsReader reader) {
        int start = reader.position();
        TlsReader body = reader.readVectorBody();
        List<Node> nodes = new ArrayList<>();
        while (body.hasRemaining()) {
            int at = body.position();
            Node node = body.readOptional(Node::decode);
            int index = nodes.size();
            if (node instanceof Node.Leaf && index % 2 != 0) {
                throw new DecodeException("ratchet tree has a leaf node at parent position " + index, at);
            }
            if (node instanceof Node.Parent && index % 2 != 1) {
                throw new DecodeException("ratchet tree has a parent node at leaf position " + index, at);
            }
            nodes.add(node);
        }
        if (nodes.isEmpty()) {
            throw new DecodeException("ratchet tree is empty", start);
        }
        if (nodes.get(nodes.size() - 1) == null) {
            throw new DecodeException("ratchet tree ends with a blank node", start);
        }
        int width = 1;
        while (width < nodes.size()) {
            width = 2 * width + 1;
        }
        nodes.addAll(Collections.nCopies(width - nodes.size(), null));
        return nodes;
    }

    public static List<Node> decode(byte[] encoded) {
        return TlsReader.decodeExactly(encoded, RatchetTreeCodec::decode, "ratchet tree");
    }

    public static void encode(TlsWriter writer, List<Node> nodes) {
        int last = nodes.size() - 1;
        while (last >= 0 && nodes.get(last) == null) {
            last--;
        }
        writer.writeVector(nodes.subList(0, last + 1), (w, node) -> w.writeOptional(node, (ww, n) -> n.writeTo(ww)));
    }

    public static byte[] encode(List<Node> nodes) {
        TlsWriter writer = new TlsWriter(256 * Math.max(1, nodes.size()));
        encode(writer, nodes);
        return writer.toByteArray();
    }
}
