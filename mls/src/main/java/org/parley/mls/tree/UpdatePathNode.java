package org.parley.mls.tree;

import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.HpkeCiphertext;
import org.parley.mls.crypto.HpkePublicKey;

import java.util.List;

/** {@code UpdatePathNode} (RFC 9420 Section 7.6): a new parent key and its path secret for each copath resolution node. */
public record UpdatePathNode(HpkePublicKey encryptionKey, List<HpkeCiphertext> encryptedPathSecret)
        implements TlsEncodable {
    public UpdatePathNode {
        encryptedPathSecret = List.copyOf(encryptedPathSecret);
    }

    public static UpdatePathNode decode(TlsReader reader) {
        return new UpdatePathNode(KeyCodec.readHpkePublicKey(reader), reader.readVector(HpkeCiphertext::read));
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeOpaque(encryptionKey.bytes());
        writer.writeVector(encryptedPathSecret, (w, c) -> c.write(w));
    }
}
