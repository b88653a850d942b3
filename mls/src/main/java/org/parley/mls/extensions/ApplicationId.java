package org.parley.mls.extensions;

import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

/** The {@code application_id} leaf extension (RFC 9420 Section 5.3.3): an application-chosen identifier of a client. */
public record ApplicationId(byte[] applicationId) {
    public ApplicationId {
        applicationId = applicationId.clone();
    }

    @Override
    public byte[] applicationId() {
        return applicationId.clone();
    }

    public static ApplicationId from(Extension extension) {
        return new ApplicationId(TlsReader.decodeExactly(extension.data(), TlsReader::readOpaque, "ApplicationId"));
    }

    public Extension toExtension() {
        return new Extension(ExtensionType.APPLICATION_ID, new TlsWriter().writeOpaque(applicationId).toByteArray());
    }
}
