package org.parley.mls.messages;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.List;
import java.util.Objects;

/** {@code Welcome} (RFC 9420 Section 12.4.3.1). Processing a Welcome belongs to the group layer, not here. */
public record Welcome(int cipherSuite, List<EncryptedGroupSecrets> secrets, Bytes encryptedGroupInfo)
        implements TlsEncodable {
    public Welcome {
        secrets = List.copyOf(secrets);
        Objects.requireNonNull(encryptedGroupInfo, "encryptedGroupInfo");
    }

    public static Welcome decode(TlsReader reader) {
        return new Welcome(reader.readUint16(), reader.readVector(EncryptedGroupSecrets::decode), reader.readOpaqueBytes());
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeUint16(cipherSuite);
        writer.writeVector(secrets, (w, s) -> s.writeTo(w));
        writer.writeOpaque(encryptedGroupInfo);
    }
}
