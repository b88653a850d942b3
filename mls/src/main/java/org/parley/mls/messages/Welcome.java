package org.parley.mls.messages;

import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.List;

/** {@code Welcome} (RFC 9420 Section 12.4.3.1). Processing a Welcome belongs to the group layer, not here. */
public record Welcome(int cipherSuite, List<EncryptedGroupSecrets> secrets, byte[] encryptedGroupInfo)
        implements TlsEncodable {
    public Welcome {
        secrets = List.copyOf(secrets);
        encryptedGroupInfo = encryptedGroupInfo.clone();
    }

    @Override
    public byte[] encryptedGroupInfo() {
        return encryptedGroupInfo.clone();
    }

    public static Welcome decode(TlsReader reader) {
        return new Welcome(reader.readUint16(), reader.readVector(EncryptedGroupSecrets::decode), reader.readOpaque());
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeUint16(cipherSuite);
        writer.writeVector(secrets, (w, s) -> s.writeTo(w));
        writer.writeOpaque(encryptedGroupInfo);
    }
}
