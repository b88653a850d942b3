package org.parley.mls.crypto;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.Objects;

/**
 * {@code struct { opaque kem_output<V>; opaque ciphertext<V>; } HPKECiphertext;}
 * (RFC 9420 Section 5.1.3): the result of EncryptWithLabel.
 */
public record HpkeCiphertext(Bytes kemOutput, Bytes ciphertext) {
    public HpkeCiphertext {
        Objects.requireNonNull(kemOutput, "kemOutput");
        Objects.requireNonNull(ciphertext, "ciphertext");
    }

    /** A ciphertext holding copies of the two arrays. */
    public HpkeCiphertext(byte[] kemOutput, byte[] ciphertext) {
        this(Bytes.copyOf(kemOutput), Bytes.copyOf(ciphertext));
    }

    public void write(TlsWriter w) {
        w.writeOpaque(kemOutput).writeOpaque(ciphertext);
    }

    @Override
    public String toString() {
        return "HpkeCiphertext[kem_output " + kemOutput.length() + " bytes, ciphertext " + ciphertext.length() + " bytes]";
    }

    public static HpkeCiphertext read(TlsReader r) {
        return new HpkeCiphertext(r.readOpaqueBytes(), r.readOpaqueBytes());
    }
}
