package org.parley.server.groups;

import java.util.Optional;

/**
 * Commit ordering per group (ARCHITECTURE.md, "Delivery service"; RFC 9750 Section 5.2): the
 * server accepts a commit for epoch e only while the group is at epoch e (compare-and-set), so
 * concurrent committers converge on one winner. The record is an opaque group id, an epoch and
 * the winning commit's id; the store has no notion of members and must never get one.
 *
 * <p>Every method is one atomic transaction; of concurrent commits for the same epoch exactly
 * one is accepted, across threads and (PostgreSQL) nodes. Database failures throw
 * {@link org.parley.server.storage.StoreException}.
 */
public interface GroupStore {

    /**
     * Records a new group at {@code epoch} (0 for a freshly created MLS group).
     *
     * @return false if the group already exists (its record is left unchanged)
     */
    boolean create(GroupId group, long epoch);

    Optional<GroupState> state(GroupId group);

    /**
     * Accepts {@code commit} as the commit that ends {@code epoch} if and only if the group is
     * at {@code epoch}: the group then moves to {@code epoch + 1} with this commit as the winner.
     * Otherwise the group is unchanged and the answer carries its current epoch and winning
     * commit (which may be several epochs ahead of the proposal).
     *
     * @throws UnknownGroupException if the group was never created
     */
    CommitOutcome commit(GroupId group, long epoch, CommitId commit);
}
