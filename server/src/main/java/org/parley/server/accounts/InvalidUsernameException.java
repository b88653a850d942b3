package org.parley.server.accounts;

import org.parley.server.storage.StoreRejectedException;

/** A username that is not 3 to 32 characters of a-z, 0-9, '_' and '.' after case folding. */
public final class InvalidUsernameException extends StoreRejectedException {
    public InvalidUsernameException(String given) {
        super("invalid username " + describe(given) + ": use " + Username.MIN_LENGTH + " to " + Username.MAX_LENGTH
                + " characters of a-z, 0-9, '_' and '.'");
    }

    private static String describe(String given) {
        if (given == null) {
            return "(none)";
        }
        // Quote at most a prefix so a hostile megabyte-long name does not end up in a log line.
        return given.length() <= 40 ? "'" + given + "'" : "'" + given.substring(0, 40) + "…' (" + given.length() + " characters)";
    }
}
