package org.parley.mls.messages;

import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.Secret;

import java.util.List;
import java.util.Objects;

/**
 * {@code GroupSecrets} (RFC 9420 Section 12.4.3.1) with its {@code PathSecret}: what a Welcome
 * encrypts to each new member. {@code pathSecret} is null when absent. The secrets are
 * {@link Secret}s, so {@link #toString()} shows none of them.
 */
public record GroupSecrets(Secret joinerSecret, Secret pathSecret, List<PreSharedKeyID> psks) implements TlsEncodable {
    public GroupSecrets {
        Objects.requireNonNull(joinerSecret, "joinerSecret");
        psks = List.copyOf(psks);
    }

    public static GroupSecrets decode(TlsReader reader) {
        return new GroupSecrets(Secret.readOpaque(reader), reader.readOptional(Secret::readOpaque),
                reader.readVector(PreSharedKeyID::decode));
    }

    @Override
    public void writeTo(TlsWriter writer) {
        joinerSecret.writeOpaque(writer);
        writer.writeOptional(pathSecret, (w, secret) -> secret.writeOpaque(w));
        writer.writeVector(psks, (w, p) -> p.writeTo(w));
    }
}
