package org.parley.client.account;

/**
 * Linking a device was refused by this side's own checks: the waiting device is not the one whose
 * fingerprint the person typed, or the approval that reached the new device does not open or does
 * not certify its key. Nothing was saved or sent; the message says what to do.
 */
public final class LinkRefusedException extends RuntimeException {
    public LinkRefusedException(String message) {
        super(message);
    }

    public LinkRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
