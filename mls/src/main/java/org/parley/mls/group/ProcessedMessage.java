package org.parley.mls.group;

import org.parley.mls.codec.Bytes;

import java.util.List;
import java.util.Objects;

/** What {@link Group#process} learned from one incoming MLSMessage. */
public sealed interface ProcessedMessage
        permits ProcessedMessage.ApplicationMessage, ProcessedMessage.ProposalReceived, ProcessedMessage.CommitApplied {

    /**
     * Application data from a member, with the authenticated_data it was sent with.
     * {@code missedBefore} counts the sender's messages of this epoch that this one skipped: its
     * generation minus the one the receiver expected next from that sender (RFC 9420 Section 9.1),
     * 0 when it arrived in order or fills an earlier gap. Messages that were dropped or are late.
     */
    record ApplicationMessage(Member sender, Bytes data, Bytes authenticatedData, int missedBefore) implements ProcessedMessage {
        public ApplicationMessage {
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(authenticatedData, "authenticatedData");
            if (missedBefore < 0) {
                throw new IllegalArgumentException("missedBefore is a count, not " + missedBefore);
            }
        }

        /** The sender and the length only: the data is the application's plaintext. */
        @Override
        public String toString() {
            return "ApplicationMessage[from leaf " + sender.leafIndex() + ", " + data.length() + " bytes"
                    + (missedBefore == 0 ? "" : ", " + missedBefore + " missed before") + "]";
        }
    }

    /**
     * A proposal stored until a Commit covers it. {@code senderLeaf} is -1 for a sender outside
     * the group; {@code proposalType} is its RFC 9420 ProposalType.
     */
    record ProposalReceived(int senderLeaf, int proposalType, Bytes proposalRef) implements ProcessedMessage {
        public ProposalReceived {
            Objects.requireNonNull(proposalRef, "proposalRef");
        }
    }

    /**
     * A Commit moved the group to {@code epoch}. {@code updated} lists members whose leaf changed
     * (Update proposals and the committer's own path). When {@code removedSelf} is true this member
     * was removed: the group is no longer usable and {@code epoch} is the last one it was in.
     */
    record CommitApplied(long epoch, int committerLeaf, List<Member> added, List<Member> removed, List<Member> updated,
                         boolean removedSelf) implements ProcessedMessage {
        public CommitApplied {
            added = List.copyOf(added);
            removed = List.copyOf(removed);
            updated = List.copyOf(updated);
        }
    }
}
