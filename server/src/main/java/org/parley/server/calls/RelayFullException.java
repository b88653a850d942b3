package org.parley.server.calls;

/** The call or the relay is at its limit; the participant was not admitted. */
public final class RelayFullException extends Exception {
    public RelayFullException(String message) {
        super(message);
    }
}
