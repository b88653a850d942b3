package org.parley.server.groups;

/** The answer to a proposed commit (RFC 9750 Section 5.2, ordering of handshake messages). */
public sealed interface CommitOutcome {

    /** The commit won: the group moved from the proposed epoch to {@code newEpoch}. */
    record Accepted(long newEpoch) implements CommitOutcome {
    }

    /**
     * The group is no longer at the proposed epoch; {@code current} is its state now, including
     * the commit that brought it there.
     */
    record Rejected(GroupState current) implements CommitOutcome {
    }
}
