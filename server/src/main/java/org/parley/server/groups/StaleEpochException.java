package org.parley.server.groups;

import org.parley.server.storage.StoreRejectedException;

/**
 * A commit for an epoch the group has left: another commit won it (RFC 9750 section 5.2).
 * {@link #current()} is the group now, with the commit that brought it there.
 */
public final class StaleEpochException extends StoreRejectedException {
    private final transient GroupState current;

    public StaleEpochException(GroupState current) {
        super("the group is at epoch " + current.epoch() + " now: process the winning commit, then commit again");
        this.current = current;
    }

    public GroupState current() {
        return current;
    }
}
