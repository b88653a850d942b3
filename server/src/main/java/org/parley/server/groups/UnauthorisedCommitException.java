package org.parley.server.groups;

import org.parley.server.storage.StoreRejectedException;

/** A commit not signed with the commit key of the epoch it ends: its sender is no member of that epoch. */
public final class UnauthorisedCommitException extends StoreRejectedException {
    public static final String MESSAGE =
            "only members of the group's current epoch can change it: the commit is not signed with that epoch's commit key";

    public UnauthorisedCommitException() {
        super(MESSAGE);
    }
}
