package org.parley.server.groups;

import org.parley.server.storage.StoreRejectedException;

/** A commit for a group the server has no record of. */
public final class UnknownGroupException extends StoreRejectedException {
    public UnknownGroupException(GroupId group) {
        super("no group " + group + " on this server: create the group first");
    }
}
