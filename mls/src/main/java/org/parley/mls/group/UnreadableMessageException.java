package org.parley.mls.group;

import org.parley.mls.codec.MlsProtocolException;

import java.util.Objects;

/**
 * A message of this group that {@link Group#process} could not read, and why: what an application
 * needs to tell its user ("3 messages from bob could not be read") or to stay silent. The group is
 * unchanged. Malformed messages, bad signatures by a known member and invalid Commits are plain
 * {@link MlsProtocolException}s instead.
 */
public final class UnreadableMessageException extends MlsProtocolException {

    /** Why a message could not be read. */
    public enum Reason {
        /**
         * A copy of a message this member already processed (its key was used, RFC 9420 Section
         * 9.2): a redelivery, for example after a crash before the acknowledgement. Harmless.
         */
        ALREADY_PROCESSED,
        /** For an epoch this member has not reached: it missed a Commit, or refused one. */
        EPOCH_AHEAD,
        /**
         * For an epoch older than the ones this member keeps keys for, or a proposal or Commit of a
         * past epoch (those are never applied late).
         */
        EPOCH_GONE,
        /**
         * For the current (or kept previous) epoch, but it does not decrypt or its membership tag
         * does not match: made with another copy of the epoch (the group forked) or forged.
         */
        UNDECRYPTABLE
    }

    private final Reason reason;
    private final long epoch;
    private final int senderLeaf;

    public UnreadableMessageException(Reason reason, long epoch, int senderLeaf, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.epoch = epoch;
        this.senderLeaf = senderLeaf;
    }

    public Reason reason() {
        return reason;
    }

    /** The epoch the message names. */
    public long epoch() {
        return epoch;
    }

    /**
     * The sender's leaf index as the message names it, or -1 when it cannot be read (a
     * PrivateMessage's sender data is encrypted). Not authenticated, since the message was not
     * verified: good for telling the user whose message it seems to be, not for trusting it.
     */
    public int senderLeaf() {
        return senderLeaf;
    }
}
