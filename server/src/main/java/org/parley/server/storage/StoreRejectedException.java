package org.parley.server.storage;

/**
 * A store refused a request for a reason the caller can report to the client (a taken username,
 * a full mailbox, a commit for a past epoch...). The store is unchanged by the refused request.
 * The message says what was wrong and never contains a secret.
 */
public abstract class StoreRejectedException extends RuntimeException {
    protected StoreRejectedException(String message) {
        super(message);
    }
}
