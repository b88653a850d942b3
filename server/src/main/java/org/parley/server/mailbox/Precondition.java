package org.parley.server.mailbox;

import java.sql.Connection;
import java.sql.SQLException;

import org.parley.server.storage.StoreRejectedException;

/**
 * A write in another store that a delivery stands or falls with: both are made in the one
 * transaction that stores the delivery, or neither is. A commit's move to its next epoch is one
 * (RFC 9750 section 5.2): the group changes only if its fan-out is stored, and the fan-out is stored
 * only if the group changes. Nothing of a refused delivery is written, and the other deliveries of
 * the batch are not affected.
 */
public interface Precondition {

    /**
     * Decides, before the delivery's quota is checked, whether the write can be made; locks what it
     * reads (PostgreSQL) and writes nothing.
     *
     * @return null when the write can be made, else why not
     */
    StoreRejectedException check(Connection connection) throws SQLException;

    /**
     * Makes the write, once {@link #check} passed and the delivery fits every mailbox. It can still
     * refuse, writing nothing, when a concurrent transaction created what {@code check} found missing.
     *
     * @return null when the write was made, else why not
     */
    StoreRejectedException apply(Connection connection) throws SQLException;

    /**
     * Whether the delivery may be shown to its recipients before this write is durable: true when
     * losing the write in a crash costs only a repetition (a spent send token that can be spent once
     * more). A group's move to its next epoch is not such a write: members would apply a commit that
     * the server then no longer has.
     */
    default boolean mayBeShownBeforeCommit() {
        return false;
    }
}
