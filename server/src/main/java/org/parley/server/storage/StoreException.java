package org.parley.server.storage;

/**
 * The database or the file system failed (connection lost, disk full, corrupt file). Nothing
 * the client did causes it; the operation that threw had no effect (its transaction was rolled
 * back) unless the message says otherwise.
 */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
