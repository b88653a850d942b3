package org.parley.mls.extensions;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.Objects;

/** The {@code application_id} leaf extension (RFC 9420 Section 5.3.3): an application-chosen identifier of a client. */
public record ApplicationId(Bytes applicationId) {
    public ApplicationId {
        Objects.requireNonNull(applicationId, "applicationId");
    }

    public static ApplicationId from(Extension extension) {
        return new ApplicationId(TlsReader.decodeExactly(extension.data(), TlsReader::readOpaqueBytes, "ApplicationId"));
    }

    public Extension toExtension() {
        return new Extension(ExtensionType.APPLICATION_ID, new TlsWriter().writeOpaque(applicationId).toByteArray());
    }
}
