package org.parley.media.sframe;

/**
 * An SFrame ciphertext that cannot be used (RFC 9605 Section 4.4.4): a malformed header, an
 * unknown key id, or a failed authentication. Per the RFC the frame must be discarded.
 */
public class SFrameException extends Exception {
    public SFrameException(String message) {
        super(message);
    }
}
