package org.parley.server.tokens;

/** A send token that does not verify: malformed, of a day whose key is not accepted now, or not signed by that key. */
public final class InvalidSendTokenException extends RuntimeException {
    public InvalidSendTokenException(String message) {
        super(message, null, false, false);
    }
}
