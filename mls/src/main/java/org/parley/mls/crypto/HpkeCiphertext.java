package org.parley.mls.crypto;

import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.Arrays;

/**
 * {@code struct { opaque kem_output<V>; opaque ciphertext<V>; } HPKECiphertext;}
 * (RFC 9420 Section 5.1.3): the result of EncryptWithLabel.
 */
public record HpkeCiphertext(byte[] kemOutput, byte[] ciphertext) {
    public HpkeCiphertext {
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

    public void write(TlsWriter w) {
        w.writeOpaque(kemOutput).writeOpaque(ciphertext);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HpkeCiphertext other
                && Arrays.equals(kemOutput, other.kemOutput) && Arrays.equals(ciphertext, other.ciphertext);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(kemOutput) + Arrays.hashCode(ciphertext);
    }

    @Override
    public String toString() {
        return "HpkeCiphertext[kem_output " + kemOutput.length + " bytes, ciphertext " + ciphertext.length + " bytes]";
    }

    public static HpkeCiphertext read(TlsReader r) {
        return new HpkeCiphertext(r.readOpaque(), r.readOpaque());
    }
}
