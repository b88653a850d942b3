package org.parley.mls.messages;

import org.parley.mls.codec.TlsReader;
import org.parley.mls.framing.HandshakeContentReader;

/**
 * Finds where a Proposal or Commit ends inside framed content (RFC 9420 Section 6), for the
 * framing package, which keeps handshake bodies encoded. Decoding also validates them.
 */
public final class HandshakeBodies implements HandshakeContentReader {
    public static final HandshakeBodies INSTANCE = new HandshakeBodies();

    private HandshakeBodies() {
    }

    @Override
    public byte[] readProposal(TlsReader reader) {
        return Proposal.decode(reader).toBytes();
    }

    @Override
    public byte[] readCommit(TlsReader reader) {
        return Commit.decode(reader).toBytes();
    }
}
