package org.parley.mls.messages;

import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.List;

/**
 * {@code GroupSecrets} (RFC 9420 Section 12.4.3.1) with its {@code PathSecret}: what a Welcome
 * encrypts to each new member. {@code pathSecret} is null when absent. Holds secrets, so
 * {@link #toString()} shows none.
 */
public record GroupSecrets(byte[] joinerSecret, byte[] pathSecret, List<PreSharedKeyID> psks) implements TlsEncodable {
    public GroupSecrets {
        joinerSecret = joinerSecret.clone();
        pathSecret = pathSecret == null ? null : pathSecret.clone();
        psks = List.copyOf(psks);
    }

    @Override
    public byte[] joinerSecret() {
        return joinerSecret.clone();
    }

    @Override
    public byte[] pathSecret() {
        return pathSecret == null ? null : pathSecret.clone();
    }

    public static GroupSecrets decode(TlsReader reader) {
        return new GroupSecrets(reader.readOpaque(), reader.readOptional(TlsReader::readOpaque),
                reader.readVector(PreSharedKeyID::decode));
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeOpaque(joinerSecret);
        writer.writeOptional(pathSecret, TlsWriter::writeOpaque);
        writer.writeVector(psks, (w, p) -> p.writeTo(w));
    }

    @Override
    public String toString() {
        return "GroupSecrets[" + (pathSecret == null ? "no" : "with") + " path secret, " + psks.size() + " psks]";
    }
}
