package org.parley.server.accounts;

import org.parley.server.storage.StoreRejectedException;

/** Registration asked for a username that an account already has (compared case-folded). */
public final class UsernameTakenException extends StoreRejectedException {
    public UsernameTakenException(Username username) {
        super("the username '" + username + "' is taken: choose another");
    }
}
