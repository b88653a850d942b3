package org.parley.mls.framing;

import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.Arrays;

/**
 * {@code FramedContentAuthData} (RFC 9420 Section 6.1): the signature over the FramedContentTBS,
 * and for a Commit the confirmation tag (null for other content types).
 */
public record FramedContentAuthData(byte[] signature, byte[] confirmationTag) {
    public FramedContentAuthData {
        signature = signature.clone();
        confirmationTag = confirmationTag == null ? null : confirmationTag.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public byte[] confirmationTag() {
        return confirmationTag == null ? null : confirmationTag.clone();
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
        byte[] signature = r.readOpaque();
        byte[] tag = type == ContentType.COMMIT ? r.readOpaque() : null;
        return new FramedContentAuthData(signature, tag);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FramedContentAuthData a && Arrays.equals(signature, a.signature)
                && Arrays.equals(confirmationTag, a.confirmationTag);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "FramedContentAuthData[signature " + signature.length + " bytes"
                + (confirmationTag == null ? "" : ", confirmation tag") + "]";
    }
}
