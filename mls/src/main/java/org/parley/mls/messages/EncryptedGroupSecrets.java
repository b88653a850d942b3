package org.parley.mls.messages;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.HpkeCiphertext;

import java.util.Objects;

/** {@code EncryptedGroupSecrets} (RFC 9420 Section 12.4.3.1): GroupSecrets encrypted to the KeyPackage {@code newMember} refers to. */
public record EncryptedGroupSecrets(Bytes newMember, HpkeCiphertext encryptedGroupSecrets) implements TlsEncodable {
    public EncryptedGroupSecrets {
        Objects.requireNonNull(newMember, "newMember");
    }

    public static EncryptedGroupSecrets decode(TlsReader reader) {
        return new EncryptedGroupSecrets(reader.readOpaqueBytes(), HpkeCiphertext.read(reader));
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeOpaque(newMember);
        encryptedGroupSecrets.write(writer);
    }
}
