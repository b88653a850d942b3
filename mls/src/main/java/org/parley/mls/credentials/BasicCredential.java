package org.parley.mls.credentials;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsWriter;

import java.util.Objects;

/** A "basic" credential (RFC 9420 Section 5.3): an application-defined identity, asserted bare. */
public record BasicCredential(Bytes identity) implements Credential {
    public BasicCredential {
        Objects.requireNonNull(identity, "identity");
    }

    /** A credential holding a copy of {@code identity}. */
    public BasicCredential(byte[] identity) {
        this(Bytes.copyOf(identity));
    }

    @Override
    public int credentialType() {
        return CredentialType.BASIC;
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeUint16(CredentialType.BASIC).writeOpaque(identity);
    }

    @Override
    public String toString() {
        return "BasicCredential[" + identity.toHex() + "]";
    }
}
