package org.parley.server.accounts;

import org.parley.server.storage.StoreRejectedException;

/** A device link token that was never issued, was already used, or has expired. */
public final class InvalidLinkTokenException extends StoreRejectedException {
    public InvalidLinkTokenException() {
        super("the device link token is unknown, used or expired: issue a new one from a device of the account");
    }
}
