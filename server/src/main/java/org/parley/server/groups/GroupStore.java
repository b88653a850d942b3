package org.parley.server.groups;

import java.util.Optional;

import org.parley.server.mailbox.Precondition;

/**
 * Commit ordering per group (ARCHITECTURE.md, "Delivery service"; RFC 9750 Section 5.2): the
 * server accepts a commit for epoch e only while the group is at epoch e (compare-and-set), so
 * concurrent committers converge on one winner, and only from a member of epoch e: the commit must
 * be signed with epoch e's commit key, which the group's record keeps (org.parley.protocol.CommitAuthority).
 * The record is the group's routing id (never its MLS group id), an epoch, the winning commit's id,
 * a public key and the day of the last commit; the store has no notion of members and must never get
 * one. A group without a commit for the retention period is forgotten ({@link #deleteUnused}).
 *
 * <p>A commit is written together with its fan-out, in the mailbox's transaction, through the
 * {@link Precondition} that {@link #commit} returns: of concurrent commits for the same epoch
 * exactly one is accepted, across threads and (PostgreSQL) nodes, and a refused commit or a refused
 * fan-out leaves everything as it was. Database failures throw
 * {@link org.parley.server.storage.StoreException}.
 */
public interface GroupStore {

    Optional<GroupState> state(RoutingId group);

    /**
     * The group's move to {@code epoch + 1} with {@code commit} as its winner and
     * {@code commit.nextEpochKey()} as its commit key, as a precondition of the commit's fan-out.
     * It holds only while the group is at {@code commit.epoch()}, and:
     * <ul>
     *   <li>for a group the server has no record of, at any epoch: the group's first commit, or
     *       the first after the server forgot an unused group, creates it, unsigned (no key is
     *       registered). So after a group was unused for the retention period, whoever knows its
     *       routing id (its members, past ones included) may take its next epoch first; members
     *       then see their commit refused as stale, as after any lost race;</li>
     *   <li>for a known group, only when the signature verifies under the stored commit key. A group
     *       recorded before commit keys existed has none: it accepts one commit unchecked, which
     *       registers its key.</li>
     * </ul>
     * Refusals: {@link StaleEpochException} (another commit won the epoch),
     * {@link UnauthorisedCommitException} (wrong or missing signature). An accepted commit sets the
     * group's last-used day to today.
     */
    Precondition commit(GroupCommit commit);

    /**
     * Deletes the groups whose last commit was more than {@code retentionDays} days ago, in bounded
     * transactions. @return how many
     */
    int deleteUnused(int retentionDays);
}
