package org.parley.mls.messages;

import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.tree.UpdatePath;

import java.util.List;

/** {@code Commit} (RFC 9420 Section 12.4): the proposals it applies and, optionally, an UpdatePath ({@code path}, null when absent). */
public record Commit(List<ProposalOrRef> proposals, UpdatePath path) implements TlsEncodable {
    public Commit {
        proposals = List.copyOf(proposals);
    }

    public static Commit decode(TlsReader reader) {
        return new Commit(reader.readVector(ProposalOrRef::decode), reader.readOptional(UpdatePath::decode));
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeVector(proposals, (w, p) -> p.writeTo(w));
        writer.writeOptional(path, (w, p) -> p.writeTo(w));
    }
}
