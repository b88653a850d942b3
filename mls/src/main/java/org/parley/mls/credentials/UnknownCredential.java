package org.parley.mls.credentials;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsWriter;

import java.util.Objects;

/**
 * A credential of a type this code does not implement (RFC 9420 Section 13: unknown values are
 * carried, not rejected). The body is taken as {@code opaque<V>}, the layout the registry's
 * later types use; it is kept as is for re-encoding.
 */
public record UnknownCredential(int credentialType, Bytes body) implements Credential {
    public UnknownCredential {
        Objects.requireNonNull(body, "body");
    }

    @Override
    public void writeTo(TlsWriter writer) {
        writer.writeUint16(credentialType).writeOpaque(body);
    }

    @Override
    public String toString() {
        return "UnknownCredential[type=" + credentialType + ", " + body.length() + " bytes]";
    }
}
