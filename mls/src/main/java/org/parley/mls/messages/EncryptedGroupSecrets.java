package org.parley.mls.messages;

import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.HpkeCiphertext;

/** {@code EncryptedGroupSecrets} (RFC 9420 Section 12.4.3.1): GroupSecrets encrypted to the KeyPackage {@code newMember} refers to. */
public record EncryptedGroupSecrets(byte[] newMember, HpkeCiphertext encryptedGroupSecrets) implements TlsEncodable {
    public EncryptedGroupSecrets {
        newMember = newMember.clone();
    }

    @Override
    public byte[] newMember() {
        return newMember.clone();
    }

    public static EncryptedGroupSecrets decode(TlsReader reader) {
        return new EncryptedGroupSecrets(reader.readOpaque(), HpkeCiphertext.read(reader));
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeOpaque(newMember);
        encryptedGroupSecrets.write(writer);
    }
}
