package org.parley.mls.group;

/**
 * The next epoch a created Commit leads to, held until the delivery service rules on the Commit.
 * Only the group that created it can merge it, only once, and only while still in the epoch it
 * was created in. Holds secrets: {@code toString} shows none.
 */
public final class PendingCommit {
    private final Group group;
    private final long baseEpoch;
    final GroupState next;
    final ProcessedMessage.CommitApplied summary;
    private boolean settled;

    PendingCommit(Group group, long baseEpoch, GroupState next, ProcessedMessage.CommitApplied summary) {
        this.group = group;
        this.baseEpoch = baseEpoch;
        this.next = next;
        this.summary = summary;
    }

    /** The epoch the group was in when the Commit was created. */
    public long baseEpoch() {
        return baseEpoch;
    }

    /** The epoch the group enters when the Commit is merged. */
    public long newEpoch() {
        return summary.epoch();
    }

    /**
     * MLS-Exporter(label, context, length) of the epoch this Commit leads to (RFC 9420 Section
     * 8.5), known to its creator before the delivery service accepts it: what the committer needs
     * to register the new epoch's keys with the delivery service in the same request.
     */
    public byte[] exportSecret(String label, byte[] context, int length) {
        if (settled) {
            throw new IllegalStateException("this pending commit was already merged or discarded");
        }
        return next.secrets.exporter(label, context, length);
    }

    /** Marks the pending commit used; fails unless it belongs to {@code owner} and is still open. */
    void settle(Group owner) {
        if (owner != group) {
            throw new IllegalArgumentException("this pending commit belongs to another Group object");
        }
        if (settled) {
            throw new IllegalStateException("this pending commit was already merged or discarded");
        }
        settled = true;
    }

    @Override
    public String toString() {
        return "PendingCommit[epoch " + baseEpoch + " -> " + summary.epoch() + ", secrets redacted]";
    }
}
