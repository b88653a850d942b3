package org.parley.server.accounts;

import org.parley.server.storage.OpaqueId;

/** An account's identifier: 16 random bytes chosen by the server at registration. */
public final class AccountId extends OpaqueId {
    public static final int LENGTH = 16;

    private AccountId(byte[] bytes) {
        super(bytes, LENGTH, LENGTH);
    }

    public static AccountId of(byte[] bytes) {
        return new AccountId(bytes);
    }

    public static AccountId random() {
        return new AccountId(randomBytes(LENGTH));
    }
}
