package org.parley.mls.group;

import org.parley.mls.codec.Bytes;

import java.util.Objects;
import java.util.Optional;

/**
 * A Commit this member created: the MLSMessage to hand to the delivery service, the Welcome for
 * the members it adds (null without new members), and the pending next epoch. When the delivery
 * service accepts the Commit, call {@link Group#mergePendingCommit}; when it rejects it (another
 * Commit won the epoch), call {@link Group#discardPendingCommit}, process the winner, and redo
 * the change.
 */
public record CommitResult(Bytes commitMessage, Bytes welcomeMessage, PendingCommit pending) {
    public CommitResult {
        Objects.requireNonNull(commitMessage, "commitMessage");
    }

    /** Present when the Commit adds members. */
    public Optional<Bytes> welcome() {
        return Optional.ofNullable(welcomeMessage);
    }

    @Override
    public String toString() {
        return "CommitResult[" + pending + (welcomeMessage == null ? "" : ", with Welcome") + "]";
    }
}
