package org.parley.mls.credentials;

import org.parley.mls.codec.TlsWriter;

import java.util.Arrays;
import java.util.HexFormat;

/** A "basic" credential (RFC 9420 Section 5.3): an application-defined identity, asserted bare. */
public record BasicCredential(byte[] identity) implements Credential {
    public BasicCredential {
        identity = identity.clone();
    }

    @Override
    public byte[] identity() {
        return identity.clone();
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
    public boolean equals(Object o) {
        return o instanceof BasicCredential other && Arrays.equals(identity, other.identity);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(identity);
    }

    @Override
    public String toString() {
        return "BasicCredential[" + HexFormat.of().formatHex(identity) + "]";
    }
}
