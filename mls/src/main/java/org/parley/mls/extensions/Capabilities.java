package org.parley.mls.extensions;

import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.List;

/**
 * {@code Capabilities} (RFC 9420 Section 7.2): what a client supports. Unknown (and GREASE)
 * values are kept and ignored, as Section 13 requires.
 */
public record Capabilities(List<Integer> versions, List<Integer> cipherSuites, List<Integer> extensions,
                           List<Integer> proposals, List<Integer> credentials) implements TlsEncodable {
    public Capabilities {
        versions = List.copyOf(versions);
        cipherSuites = List.copyOf(cipherSuites);
        extensions = List.copyOf(extensions);
        proposals = List.copyOf(proposals);
        credentials = List.copyOf(credentials);
    }

    public static Capabilities decode(TlsReader reader) {
        return new Capabilities(
                reader.readVector(TlsReader::readUint16),
                reader.readVector(TlsReader::readUint16),
                reader.readVector(TlsReader::readUint16),
                reader.readVector(TlsReader::readUint16),
                reader.readVector(TlsReader::readUint16));
    }

    /**
     * The "default" proposal types of Section 7.2 (add through group_context_extensions, 0x0001 to
     * 0x0007, see {@code messages.ProposalType}): every client implements them, so none is listed.
     */
    private static final int FIRST_DEFAULT_PROPOSAL = 0x0001;
    private static final int LAST_DEFAULT_PROPOSAL = 0x0007;

    /** Whether an extension type may be used by this client: default types always, others only when listed. */
    public boolean supportsExtension(int type) {
        return ExtensionType.isDefault(type) || extensions.contains(type);
    }

    /** Whether a proposal type may be used by this client: default types always, others only when listed. */
    public boolean supportsProposal(int type) {
        return (type >= FIRST_DEFAULT_PROPOSAL && type <= LAST_DEFAULT_PROPOSAL) || proposals.contains(type);
    }

    @Override
    public void writeTo(TlsWriter writer) {
        for (List<Integer> list : List.of(versions, cipherSuites, extensions, proposals, credentials)) {
            writer.writeVector(list, TlsWriter::writeUint16);
        }
    }
}
