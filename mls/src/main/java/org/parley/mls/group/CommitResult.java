package org.parley.mls.group;

import java.util.Optional;

/**
 * A Commit this member created: the MLSMessage to hand to the delivery service, the Welcome for
 * the members it adds (if any), and the pending next epoch. When the delivery service accepts
 * the Commit, call {@link Group#mergePendingCommit}; when it rejects it (another Commit won the
 * epoch), call {@link Group#discardPendingCommit}, process the winner, and redo the change.
 */
public record CommitResult(byte[] commitMessage, byte[] welcomeMessage, PendingCommit pending) {
    public CommitResult {
        commitMessage = commitMessage.clone();
        welcomeMessage = welcomeMessage == null ? null : welcomeMessage.clone();
    }

    @Override
    public byte[] commitMessage() {
        return commitMessage.clone();
    }

    /** Present when the Commit adds members. */
    public Optional<byte[]> welcome() {
        return Optional.ofNullable(welcomeMessage).map(byte[]::clone);
    }

    @Override
    public byte[] welcomeMessage() {
        return welcomeMessage == null ? null : welcomeMessage.clone();
    }

    @Override
    public String toString() {
        return "CommitResult[" + pending + (welcomeMessage == null ? "" : ", with Welcome") + "]";
    }
}
