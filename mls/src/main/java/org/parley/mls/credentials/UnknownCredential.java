package org.parley.mls.credentials;

import org.parley.mls.codec.TlsWriter;

import java.util.Arrays;

/**
 * A credential of a type this code does not implement (RFC 9420 Section 13: unknown values are
 * carried, not rejected). The body is taken as {@code opaque<V>}, the layout the registry's
 * later types use; it is kept as is for re-encoding.
 */
public record UnknownCredential(int credentialType, byte[] body) implements Credential {
    public UnknownCredential {
        body = body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeUint16(credentialType).writeOpaque(body);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnknownCredential other && other.credentialType == credentialType && Arrays.equals(body, other.body);
    }

    @Override
    public int hashCode() {
        return 31 * credentialType + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "UnknownCredential[type=" + credentialType + ", " + body.length + " bytes]";
    }
}
