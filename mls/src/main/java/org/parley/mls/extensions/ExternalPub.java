package org.parley.mls.extensions;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.Objects;

/** The {@code external_pub} GroupInfo extension (RFC 9420 Section 12.4.3.2): the HPKE key for external commits. */
public record ExternalPub(Bytes externalPub) {
    public ExternalPub {
        Objects.requireNonNull(externalPub, "externalPub");
    }

    public static ExternalPub from(Extension extension) {
        return new ExternalPub(TlsReader.decodeExactly(extension.data(), TlsReader::readOpaqueBytes, "ExternalPub"));
    }

    public Extension toExtension() {
        return new Extension(ExtensionType.EXTERNAL_PUB, new TlsWriter().writeOpaque(externalPub).toByteArray());
    }
}
