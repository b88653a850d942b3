package org.parley.mls.credentials;

import org.parley.mls.codec.TlsEncodable;
import org.parley.mls.codec.TlsReader;

/**
 * {@code Credential} (RFC 9420 Section 5.3): the identity a member presents with its signature key.
 * Types this code does not know are kept whole ({@link UnknownCredential}) so that a leaf
 * carrying one still re-encodes, and re-signs, byte for byte.
 */
public sealed interface Credential extends TlsEncodable permits BasicCredential, X509Credential, UnknownCredential {
    int credentialType();

    static Credential decode(TlsReader reader) {
        int type = reader.readUint16();
        return switch (type) {
            case CredentialType.BASIC -> new BasicCredential(reader.readOpaqueBytes());
            case CredentialType.X509 -> new X509Credential(reader.readVector(TlsReader::readOpaqueBytes));
            default -> new UnknownCredential(type, reader.readOpaqueBytes());
        };
    }
}
