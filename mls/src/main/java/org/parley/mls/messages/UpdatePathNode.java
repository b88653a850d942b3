package org.parley.mls.messages;

import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.tree.HPKEPublicKey;

import java.util.List;

/** {@code UpdatePathNode} (RFC 9420 Section 7.6): a new parent key and its path secret for each copath resolution node. */
public record UpdatePathNode(HPKEPublicKey encryptionKey, List<HPKECiphertext> encryptedPathSecret)
        implements TlsEncodable {
    public UpdatePathNode {
        encryptedPathSecret = List.copyOf(encryptedPathSecret);
    }

    public static UpdatePathNode decode(TlsReader reader) {
        return new UpdatePathNode(HPKEPublicKey.decode(reader), reader.readVector(HPKECiphertext::decode));
    }

    @Override
    public void writeTo(TlsWriter writer) {
        encryptionKey.writeTo(writer);
        writer.writeVector(encryptedPathSecret, (w, c) -> c.writeTo(w));
    }
}
