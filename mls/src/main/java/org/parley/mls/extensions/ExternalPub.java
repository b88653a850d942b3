package org.parley.mls.extensions;

import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

/** The {@code external_pub} GroupInfo extension (RFC 9420 Section 12.4.3.2): the HPKE key for external commits. */
public record ExternalPub(byte[] externalPub) {
    public ExternalPub {
        externalPub = externalPub.clone();
    }

    @Override
    public byte[] externalPub() {
        return externalPub.clone();
    }

    public static ExternalPub from(Extension extension) {
        return new ExternalPub(TlsReader.decodeExactly(extension.data(), TlsReader::readOpaque, "ExternalPub"));
    }

    public Extension toExtension() {
        return new Extension(ExtensionType.EXTERNAL_PUB, new TlsWriter().writeOpaque(externalPub).toByteArray());
    }
}
