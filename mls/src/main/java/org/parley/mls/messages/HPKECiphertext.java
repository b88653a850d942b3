package org.parley.mls.messages;

import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

/** {@code HPKECiphertext} (RFC 9420 Section 7.6): the output of EncryptWithLabel. */
public record HPKECiphertext(byte[] kemOutput, byte[] ciphertext) implements TlsEncodable {
    public HPKECiphertext {
        kemOutput = kemOutput.clone();
        ciphertext = ciphertext.clone();
    }

    @Override
    public byte[] kemOutput() {
        return kemOutput.clone();
    }

    @Override
    public byte[] ciphertext() {
        return ciphertext.clone();
    }

    public static HPKECiphertext decode(TlsReader reader) {
        return new HPKECiphertext(reader.readOpaque(), reader.readOpaque());
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeOpaque(kemOutput).writeOpaque(ciphertext);
    }
}
