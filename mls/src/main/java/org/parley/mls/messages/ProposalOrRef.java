package org.parley.mls.messages;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

/**
 * {@code ProposalOrRef} (RFC 9420 Section 12.4): a proposal carried inline in a Commit, or the
 * {@code ProposalRef} of one sent earlier. Exactly one of the two fields is set.
 */
public record ProposalOrRef(Proposal proposal, Bytes reference) implements TlsEncodable {
    private static final int PROPOSAL = 1;
    private static final int REFERENCE = 2;

    public ProposalOrRef {
        if ((proposal == null) == (reference == null)) {
            throw new IllegalArgumentException("exactly one of proposal and reference must be set");
        }
    }

    public static ProposalOrRef of(Proposal proposal) {
        return new ProposalOrRef(proposal, null);
    }

    public static ProposalOrRef ofReference(Bytes reference) {
        return new ProposalOrRef(null, reference);
    }

    public static ProposalOrRef decode(TlsReader reader) {
        int start = reader.position();
        int type = reader.readUint8();
        return switch (type) {
            case PROPOSAL -> of(Proposal.decode(reader));
            case REFERENCE -> ofReference(reader.readOpaqueBytes());
            default -> throw new DecodeException("unknown ProposalOrRefType " + type, start);
        };
    }

    @Override
    public void writeTo(TlsWriter writer) {
        if (proposal != null) {
            writer.writeUint8(PROPOSAL);
            proposal.writeTo(writer);
        } else {
            writer.writeUint8(REFERENCE).writeOpaque(reference);
        }
    }
}
