package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import org.parley.client.keys.KeyPackages;
import org.parley.client.keys.MemberCredential;
import org.parley.client.net.ConnectionException;
import org.parley.client.net.ServerException;
import org.parley.client.tokens.NoTokenException;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.group.CommitResult;
import org.parley.mls.group.Group;
import org.parley.mls.group.ProcessedMessage;
import org.parley.protocol.CommitAuthority;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.SubmitCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * Changes to a group as Commits the server orders (RFC 9750 section 5.2): a commit is submitted
 * with the group's epoch, signed with that epoch's commit key and registering the next one
 * ({@link EpochCommitKey}), and merged only when the server answers that it stored the commit with
 * its whole fan-out. When another member won that epoch, the pending commit is discarded, the winner
 * processed as it arrives (by the inbox), and the change made again on the new epoch; when the
 * server refuses it, the pending commit is discarded and nothing changed anywhere.
 *
 * <p>Runs under the conversations' lock; waiting for a winning commit releases it (through
 * {@code lock.wait}) so that the inbox thread can process that commit.
 */
final class CommitCoordinator {
    private static final Logger log = LoggerFactory.getLogger(CommitCoordinator.class);
    private static final int MAX_COMMIT_ATTEMPTS = 20;
    /** Sends of one commit when connections drop before its answer. */
    private static final int MAX_SUBMISSIONS = 3;

    private final Object lock;
    private final ConversationStore store;
    private final Carrier carrier;
    private final Outbox outbox;
    private final Events events;
    private final SecureRandom random;
    private final Duration timeout;

    CommitCoordinator(Object lock, ConversationStore store, Carrier carrier, Outbox outbox, Events events, SecureRandom random,
                      Duration timeout) {
        this.lock = lock;
        this.store = store;
        this.carrier = carrier;
        this.outbox = outbox;
        this.events = events;
        this.random = random;
        this.timeout = timeout;
    }

    /**
     * Submits a commit made by {@code change} until it wins an epoch. The pending commit is merged
     * only once the server answers that it stored the commit with its whole fan-out; on rejection it
     * is dropped, the winner processed, and {@code change} applied again to the new epoch. With
     * {@code mayWait} false (on the inbox thread, which cannot wait for itself) a loser gives up.
     *
     * @throws ConversationException when the server refuses the commit (nothing changed)
     */
    void commit(byte[] groupId, Function<Group, CommitResult> change, List<KeyPackages.Claimed> joiners, boolean mayWait) {
        for (int attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
            Group group = store.activeGroup(groupId);
            CommitResult result;
            try {
                result = change.apply(group);
            } catch (MlsProtocolException e) {
                throw new ConversationException("the change cannot be made: " + e.getMessage(), e);
            }
            ClientFrame.Builder submit = ClientFrame.newBuilder().setSubmitCommit(submission(groupId, group, result, joiners));
            ServerFrame answer;
            try {
                answer = submitSurvivingReconnects(submit);
            } catch (NoTokenException noToken) {
                group.discardPendingCommit(result.pending());
                throw new ConversationException("no send token can be had now, so nothing changed; try again in "
                        + Math.max(1, noToken.retryAfter().toSeconds()) + " s", noToken);
            } catch (RuntimeException noAnswer) {
                group.discardPendingCommit(result.pending());
                throw noAnswer;
            }
            if (answer.hasError()) {
                group.discardPendingCommit(result.pending());
                throw new ConversationException("the server refused the change, so nothing changed: " + answer.getError().getMessage(),
                        ServerException.of(answer.getError()));
            }
            if (answer.getCommitResult().getAccepted()
                    || answer.getCommitResult().getWinningCommitId().equals(submit.getSubmitCommit().getSend().getMessageId())) {
                ProcessedMessage.CommitApplied applied = group.mergePendingCommit(result.pending());
                store.saveGroup(group);
                if (answer.getCommitResult().getUnknownDeviceIdsCount() > 0) {
                    log.info("the server no longer has {} device(s) of the group; they got no copy of the change",
                            answer.getCommitResult().getUnknownDeviceIdsCount());
                }
                announce(groupId, applied);
                return;
            }
            group.discardPendingCommit(result.pending());
            if (!mayWait) {
                return;
            }
            awaitEpoch(groupId, answer.getCommitResult().getCurrentEpoch());
        }
        throw new ConversationException("the group kept changing under this device (" + MAX_COMMIT_ATTEMPTS
                + " lost commits in a row); try again");
    }

    /**
     * Sends the commit, and sends the very same commit again when the connection drops before the
     * answer: the server either stores it then, or answers that the group already moved on, naming
     * this commit as the winner when the lost attempt was stored. Either way this device merges its
     * own commit instead of being left behind at the old epoch while every other member moves on.
     */
    private ServerFrame submitSurvivingReconnects(ClientFrame.Builder submit) {
        for (int attempt = 1; ; attempt++) {
            try {
                return carrier.submitCommit(submit.getSubmitCommitBuilder());
            } catch (ConnectionException lost) {
                if (attempt == MAX_SUBMISSIONS) {
                    throw lost;
                }
                log.info("the connection dropped before the server answered a commit; sending it again");
            }
        }
    }

    /**
     * The commit, its fan-out and Welcome, the commit key of the epoch it leads to, and the
     * signature by the current epoch's commit key that shows the server a member sent it.
     */
    private SubmitCommit.Builder submission(byte[] groupId, Group group, CommitResult result, List<KeyPackages.Claimed> joiners) {
        byte[] commitId = new byte[16];
        random.nextBytes(commitId);
        // Wrapped before signing: the server checks the signature over the payloads it is given.
        byte[] commitMessage = PayloadWrap.wrapGroupMessage(groupId, result.commitMessage().toByteArray(), random);
        byte[] welcome = result.welcome().map(w -> PayloadWrap.wrapWelcome(w.toByteArray())).orElse(new byte[0]);
        byte[] nextEpochKey = EpochCommitKey.next(result.pending()).publicKey();
        // The server orders commits under an id derived from the group id, never the group id itself.
        byte[] routingId = CommitAuthority.routingId(groupId);
        byte[] signed = CommitAuthority.signedContent(routingId, result.pending().baseEpoch(), commitMessage, welcome, nextEpochKey);
        SubmitCommit.Builder submit = SubmitCommit.newBuilder()
                .setRoutingId(ByteString.copyFrom(routingId)).setEpoch(result.pending().baseEpoch())
                .setSend(Send.newBuilder().setMessageId(ByteString.copyFrom(commitId)).addAllRecipients(outbox.recipients(group))
                        .setPayload(ByteString.copyFrom(commitMessage)))
                .setNextEpochKey(ByteString.copyFrom(nextEpochKey))
                .setSignature(ByteString.copyFrom(EpochCommitKey.current(group).sign(signed)));
        // The server stores the Welcome with the commit, so joiners have it before any message of the new epoch.
        if (result.welcome().isPresent()) {
            submit.setWelcome(Send.newBuilder().setMessageId(ByteString.copyFrom(commitId))
                    .addAllRecipients(welcomeRecipients(joiners)).setPayload(ByteString.copyFrom(welcome)));
        }
        return sealedIfPossible(submit);
    }

    /**
     * Seals the commit and its Welcome (access keys on every recipient; the token is added when it
     * leaves) when this device knows the access key of every recipient account of both.
     */
    private SubmitCommit.Builder sealedIfPossible(SubmitCommit.Builder submit) {
        List<RecipientAccount> fanOut = outbox.withAccessKeys(submit.getSend().getRecipientsList());
        List<RecipientAccount> joiners = submit.hasWelcome() ? outbox.withAccessKeys(submit.getWelcome().getRecipientsList()) : List.of();
        if (fanOut == null || joiners == null) {
            return submit;
        }
        submit.setSend(submit.getSend().toBuilder().clearRecipients().addAllRecipients(fanOut).setSealed(true));
        if (submit.hasWelcome()) {
            submit.setWelcome(submit.getWelcome().toBuilder().clearRecipients().addAllRecipients(joiners).setSealed(true));
        }
        return submit;
    }

    /** Waits, releasing the lock, until the inbox processed the commits up to {@code epoch}. */
    private void awaitEpoch(byte[] groupId, long epoch) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                Group group = store.group(groupId);
                if (group == null || group.epoch() >= epoch) {
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new ConversationException("another member's change (epoch " + epoch
                            + ") did not arrive in time; try again");
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConversationException("interrupted while waiting for the group to settle");
        }
    }

    private static List<RecipientAccount> welcomeRecipients(List<KeyPackages.Claimed> joiners) {
        return Outbox.byAccount(joiners.stream().map(KeyPackages.Claimed::member).toList());
    }

    /** Tells the listeners who a commit (this device's or another member's) added and removed. */
    void announce(byte[] groupId, ProcessedMessage.CommitApplied applied) {
        String name = store.record(groupId).getName();
        List<String> added = applied.added().stream().map(m -> MemberCredential.from(m.credential()).username()).distinct().toList();
        List<String> removed = applied.removed().stream().map(m -> MemberCredential.from(m.credential()).username()).distinct().toList();
        if (!added.isEmpty()) {
            events.emit(new ConversationEvent.MembersAdded(name, added));
        }
        if (!removed.isEmpty()) {
            events.emit(new ConversationEvent.MembersRemoved(name, removed));
        }
        if (applied.removedSelf()) {
            events.emit(new ConversationEvent.RemovedSelf(name));
        }
    }
}
