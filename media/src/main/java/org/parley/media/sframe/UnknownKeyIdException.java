package org.parley.media.sframe;

/**
 * No key is known for the frame's KID. RFC 9605 Section 4.4.4 lets a receiver buffer such a
 * frame and retry once the key arrives (for example, the next MLS epoch's key).
 */
public final class UnknownKeyIdException extends SFrameException {
    private final long kid;

    public UnknownKeyIdException(long kid) {
        super("no SFrame key for KID " + Long.toUnsignedString(kid));
        this.kid = kid;
    }

    public long kid() {
        return kid;
    }
}
