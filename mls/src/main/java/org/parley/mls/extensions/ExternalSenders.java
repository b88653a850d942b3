package org.parley.mls.extensions;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.credentials.Credential;

import java.util.List;
import java.util.Objects;

/** The {@code external_senders} GroupContext extension (RFC 9420 Section 12.1.8.1). */
public record ExternalSenders(List<ExternalSender> senders) {
    /** {@code ExternalSender}: a signature key and the credential that vouches for it. */
    public record ExternalSender(Bytes signatureKey, Credential credential) {
        public ExternalSender {
            Objects.requireNonNull(signatureKey, "signatureKey");
        }
    }

    public ExternalSenders {
        senders = List.copyOf(senders);
    }

    public static ExternalSenders from(Extension extension) {
        return new ExternalSenders(TlsReader.decodeExactly(extension.data(),
                r -> r.readVector(e -> new ExternalSender(e.readOpaqueBytes(), Credential.decode(e))), "ExternalSenders"));
    }

    public Extension toExtension() {
        TlsWriter writer = new TlsWriter().writeVector(senders, (w, s) -> {
            w.writeOpaque(s.signatureKey);
            s.credential().writeTo(w);
        });
        return new Extension(ExtensionType.EXTERNAL_SENDERS, writer.toByteArray());
    }
}
