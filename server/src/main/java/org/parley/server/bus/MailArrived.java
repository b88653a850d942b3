package org.parley.server.bus;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.parley.server.mailbox.Envelope;

/**
 * Tells the node holding a device's connection that an envelope was stored in its mailbox. The
 * in-process bus carries the envelope itself so the node pushes it without reading it back; a bus
 * between nodes may carry only the recipient and id and let the receiver read the mailbox.
 *
 * @param stored completes once the envelope is committed, or exceptionally if its write failed: the
 *     envelope may be announced before its commit, so a reader of the mailbox may not find it yet
 */
public record MailArrived(Envelope envelope, CompletionStage<Void> stored) {
    private static final CompletionStage<Void> ALREADY_STORED = CompletableFuture.completedStage(null);

    /** An envelope already committed. */
    public MailArrived(Envelope envelope) {
        this(envelope, ALREADY_STORED);
    }
}
