package org.parley.mls.framing;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.Objects;

/**
 * {@code FramedContentAuthData} (RFC 9420 Section 6.1): the signature over the FramedContentTBS,
 * and for a Commit the confirmation tag (null for other content types).
 */
public record FramedContentAuthData(Bytes signature, Bytes confirmationTag) {
    public FramedContentAuthData {
        Objects.requireNonNull(signature, "signature");
    }

    /** Writes the struct; the confirmation tag is present exactly when the content is a Commit. */
    public void writeTo(TlsWriter w, ContentType type) {
        w.writeOpaque(signature);
        if (type == ContentType.COMMIT) {
            if (confirmationTag == null) {
                throw new IllegalStateException("a Commit's FramedContentAuthData needs a confirmation tag");
            }
            w.writeOpaque(confirmationTag);
        }
    }

    public static FramedContentAuthData read(TlsReader r, ContentType type) {
        Bytes signature = r.readOpaqueBytes();
        Bytes tag = type == ContentType.COMMIT ? r.readOpaqueBytes() : null;
        return new FramedContentAuthData(signature, tag);
    }

    @Override
    public String toString() {
        return "FramedContentAuthData[signature " + signature.length() + " bytes"
                + (confirmationTag == null ? "" : ", confirmation tag") + "]";
    }
}
