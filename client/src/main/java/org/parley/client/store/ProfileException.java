package org.parley.client.store;

/**
 * A profile that cannot be opened or used: wrong passphrase, missing or unreadable key file, a
 * corrupt database. The message says what to do; the profile on disk is left as it was.
 */
public class ProfileException extends RuntimeException {
    public ProfileException(String message) {
        super(message);
    }

    public ProfileException(String message, Throwable cause) {
        super(message, cause);
    }
}
