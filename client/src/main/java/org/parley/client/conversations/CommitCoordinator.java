package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import org.parley.client.keys.KeyPackages;
import org.parley.client.keys.MemberCredential;
import org.parley.client.net.ServerException;
import org.parley.client.net.Session;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.group.CommitResult;
import org.parley.mls.group.Group;
import org.parley.mls.group.ProcessedMessage;
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
 * with the group's epoch and merged when the server accepts it; when another member won that
 * epoch, the pending commit is discarded, the winner processed as it arrives (by the inbox), and
 * the change made again on the new epoch.
 *
 * <p>Runs under the conversations' lock; waiting for a winning commit releases it (through
 * {@code lock.wait}) so that the inbox thread can process that commit.
 */
final class CommitCoordinator {
    private static final Logger log = LoggerFactory.getLogger(CommitCoordinator.class);
    private static final int MAX_COMMIT_ATTEMPTS = 20;

    private final Object lock;
    private final ConversationStore store;
    private final Session session;
    private final Outbox outbox;
    private final Events events;
    private final SecureRandom random;
    private final Duration timeout;

    CommitCoordinator(Object lock, ConversationStore store, Session session, Outbox outbox, Events events, SecureRandom random,
                      Duration timeout) {
        this.lock = lock;
        this.store = store;
        this.session = session;
        this.outbox = outbox;
        this.events = events;
        this.random = random;
        this.timeout = timeout;
    }

    /**
     * Submits a commit made by {@code change} until it wins an epoch. On rejection the pending
     * commit is dropped, the winner processed, and {@code change} applied again to the new epoch.
     * With {@code mayWait} false (on the inbox thread, which cannot wait for itself) a loser gives up.
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
            byte[] commitId = new byte[16];
            random.nextBytes(commitId);
            SubmitCommit.Builder submit = SubmitCommit.newBuilder()
                    .setGroupId(ByteString.copyFrom(groupId)).setEpoch(result.pending().baseEpoch())
                    .setSend(Send.newBuilder().setMessageId(ByteString.copyFrom(commitId)).addAllRecipients(outbox.recipients(group))
                            .setPayload(ByteString.copyFrom(result.commitMessage().asReadOnlyBuffer())));
            // The server stores the Welcome with the commit, so joiners have it before any message of the new epoch.
            result.welcome().ifPresent(welcome -> submit.setWelcome(Send.newBuilder().setMessageId(ByteString.copyFrom(commitId))
                    .addAllRecipients(welcomeRecipients(joiners)).setPayload(ByteString.copyFrom(welcome.asReadOnlyBuffer()))));
            List<ServerFrame> answers = session.exchange(ClientFrame.newBuilder().setSubmitCommit(submit),
                    frames -> !frames.get(0).hasCommitResult() || !frames.get(0).getCommitResult().getAccepted() || frames.size() == 2);
            ServerFrame first = answers.get(0);
            if (first.hasError()) {
                group.discardPendingCommit(result.pending());
                throw new ServerException(first.getError().getCode(), first.getError().getMessage());
            }
            if (first.getCommitResult().getAccepted()) {
                ProcessedMessage.CommitApplied applied = group.mergePendingCommit(result.pending());
                store.saveGroup(group);
                if (answers.size() > 1 && answers.get(1).hasError()) {
                    log.warn("commit accepted but its fan-out failed: {}", answers.get(1).getError().getMessage());
                }
                announce(groupId, applied);
                return;
            }
            group.discardPendingCommit(result.pending());
            if (!mayWait) {
                return;
            }
            awaitEpoch(groupId, first.getCommitResult().getCurrentEpoch());
        }
        throw new ConversationException("the group kept changing under this device (" + MAX_COMMIT_ATTEMPTS
                + " lost commits in a row); try again");
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
