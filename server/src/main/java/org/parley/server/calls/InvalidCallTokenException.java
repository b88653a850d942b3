package org.parley.server.calls;

/** A call token that was malformed, forged, expired, or another device's. The relay drops the request. */
public final class InvalidCallTokenException extends Exception {
    /** Why the token was refused; each reason has its own relay counter. */
    public enum Reason { MALFORMED, BAD_MAC, EXPIRED, OTHER_DEVICE }

    private final Reason reason;

    public InvalidCallTokenException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
