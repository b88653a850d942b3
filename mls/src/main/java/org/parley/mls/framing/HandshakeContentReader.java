package org.parley.mls.framing;

import org.parley.mls.codec.TlsReader;

/**
 * Reads the Proposal or Commit inside a FramedContent or PrivateMessageContent (RFC 9420 Section
 * 6, 12.1, 12.4). Those structs carry no length prefix, so framing cannot find where they end on
 * its own; the {@code messages} package supplies the decoder (for example
 * {@code r -> Proposal.decode(r).toBytes()}), and framing keeps the encoded bytes.
 */
public interface HandshakeContentReader {
    /** Consumes one Proposal from the reader and returns its encoding. */
    byte[] readProposal(TlsReader reader);

    /** Consumes one Commit from the reader and returns its encoding. */
    byte[] readCommit(TlsReader reader);

    /** Reads the body of the given content type: opaque application_data, or a Proposal or Commit. */
    default byte[] readBody(ContentType type, TlsReader reader) {
        return switch (type) {
            case APPLICATION -> reader.readOpaque();
            case PROPOSAL -> readProposal(reader);
            case COMMIT -> readCommit(reader);
        };
    }
}
