package org.parley.mls.codec;

/**
 * Input that is not a valid encoding (RFC 9420 Section 2.1): truncated, over-long, a bad
 * variable-length integer, an unknown enum value, or bytes left over. The message names what
 * was wrong and the byte offset where it was found.
 */
public class DecodeException extends MlsProtocolException {
    private final int offset;

    public DecodeException(String what, int offset) {
        super(what + " (at byte " + offset + ")");
        this.offset = offset;
    }

    /** Offset from the start of the outermost input at which the problem was found. */
    public int offset() {
        return offset;
    }
}
