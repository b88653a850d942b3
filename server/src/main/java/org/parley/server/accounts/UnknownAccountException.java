package org.parley.server.accounts;

import org.parley.server.storage.StoreRejectedException;

/** An operation named an account that does not exist (or no longer exists). */
public final class UnknownAccountException extends StoreRejectedException {
    public UnknownAccountException(AccountId account) {
        super("no account " + account + " on this server");
    }
}
