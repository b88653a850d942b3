package org.parley.server.accounts;

import org.parley.server.storage.StoreRejectedException;

/** An invite code that was never issued or was already used. */
public final class InvalidInviteCodeException extends StoreRejectedException {
    public InvalidInviteCodeException() {
        super("the invite code is unknown or already used: ask the server's operator for a new one (parley admin invite)");
    }
}
