package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.content.v1.Receipt;
import org.parley.client.keys.KeyPackages;
import org.parley.client.keys.MemberCredential;
import org.parley.client.local.v1.ConversationRecord;
import org.parley.client.net.Session;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.extensions.Extension;
import org.parley.mls.group.Group;
import org.parley.mls.group.IncomingMessage;
import org.parley.mls.group.KeyPackageBundle;
import org.parley.mls.group.ProcessedMessage;
import org.parley.mls.group.ProposalKind;
import org.parley.protocol.v1.Ack;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Deliver;
import org.parley.protocol.v1.ServerFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Incoming mail, one push at a time on the inbox thread: Deliver, process, persist (group state
 * and message in one transaction), Ack, in that order, then the events. A crash before the Ack
 * redelivers, and the stored state (used keys, message id) drops the copy; a copy its sender sent
 * again after a lost acknowledgement is dropped as well ({@link ProcessedCopies}). Each copy is first
 * opened with this device's mailbox key, then unwrapped ({@link PayloadWrap}); only what both let
 * through reaches MLS. Welcomes join groups; handshakes move them; application messages go to the
 * {@link ContentHandler}.
 *
 * <p>Runs under the conversations' lock; {@code lock.notifyAll} after each push wakes a committer
 * waiting for an epoch and callers waiting for the backlog.
 */
final class Inbox {
    private static final Logger log = LoggerFactory.getLogger(Inbox.class);

    private final Object lock;
    private final ConversationStore store;
    private final DeviceIdentity identity;
    private final Session session;
    private final KeyPackages keyPackages;
    private final CommitCoordinator commits;
    private final Outbox outbox;
    private final ContentHandler content;
    private final Receipts receipts;
    private final Requests requests;
    private final UnreadableMessages unreadable;
    private final ProcessedCopies processedCopies;
    private final Events events;
    /** Wrapping keys of this device's conversations, derived once each. */
    private final Map<Bytes, PayloadWrap.GroupKey> wrapKeys = new HashMap<>();
    private long drainedCount;

    Inbox(Object lock, ConversationStore store, DeviceIdentity identity, Session session, KeyPackages keyPackages,
          CommitCoordinator commits, Outbox outbox, ContentHandler content, Receipts receipts, Requests requests,
          UnreadableMessages unreadable, Events events) {
        this.lock = lock;
        this.store = store;
        this.identity = identity;
        this.session = session;
        this.keyPackages = keyPackages;
        this.commits = commits;
        this.outbox = outbox;
        this.content = content;
        this.receipts = receipts;
        this.requests = requests;
        this.unreadable = unreadable;
        this.processedCopies = new ProcessedCopies(store.profile());
        this.events = events;
    }

    long drainedCount() {
        return drainedCount;
    }

    /** Waits, releasing the lock, until at least {@code count} MailboxDrained pushes were processed; false on timeout. */
    boolean awaitDrained(long count, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (drainedCount < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            lock.wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    void handlePush(ServerFrame push) {
        try {
            if (push.hasError()) {
                // The answer to a posted frame (an acknowledgement) that the server refused.
                log.info("the server refused a posted request: {}", push.getError().getMessage());
            } else if (push.hasMailboxDrained()) {
                drainedCount++;
                store.deleteExpired();
                sendDeliveredReceipts();
                unreadable.report();
            } else if (push.hasDeliver()) {
                deliver(push.getDeliver());
            }
        } finally {
            lock.notifyAll();
        }
    }

    private void deliver(Deliver deliver) {
        log.debug("{} processing envelope {} ({} bytes)", identity.username(), deliver.getEnvelopeId(), deliver.getPayload().size());
        List<Runnable> after = new ArrayList<>();
        try {
            store.profile().inTransaction(() -> receive(deliver.getPayload().toByteArray(),
                    unreadable.firstArrival(deliver.getEnvelopeId()), after));
        } catch (RuntimeException e) {
            // Nothing was persisted: forget in-memory group states (process may have moved
            // them) and leave the mail unacknowledged, so it comes again on the next connection.
            store.forgetAll();
            log.warn("could not process a message, it will be retried: {}", e.getMessage());
            return;
        }
        // Posted, not awaited: the next message need not wait for the server's durable delete.
        // An acknowledgement that is lost (disconnected, refused) only means the server
        // delivers the message again, and the stored state (used keys, message id) drops the copy.
        if (!session.post(ClientFrame.newBuilder().setAck(Ack.newBuilder().addEnvelopeIds(deliver.getEnvelopeId())))) {
            log.info("not connected to acknowledge a message; it will come again and be dropped");
        }
        // Live: warn and confirm at once (the warning first: it is about messages before this one).
        // While a backlog drains, warnings and receipts wait for its end.
        if (drainedCount > 0) {
            unreadable.report();
        }
        after.forEach(Runnable::run);
        if (drainedCount > 0) {
            sendDeliveredReceipts();
        }
    }

    private void sendDeliveredReceipts() {
        for (Receipts.Pending owed : receipts.takeDelivered()) {
            outbox.sendReceipts(owed.groupId().toByteArray(), Receipt.Kind.DELIVERED, owed.messageIds());
        }
    }

    /**
     * Opens the server's copy with this device's mailbox key and unwraps what was sent. A copy that
     * does not open or unwrap never will: it is dropped (and acknowledged, so it cannot block the
     * mailbox); one the server did not seal to this device is counted as unreadable.
     * {@code firstArrival}: the server never delivered this envelope before.
     */
    private void receive(byte[] copy, boolean firstArrival, List<Runnable> after) {
        byte[] sent;
        try {
            sent = identity.openMailboxCopy(copy);
        } catch (IllegalArgumentException e) {
            log.warn("dropped a message that the server did not seal to this device's mailbox key ({} bytes)", copy.length);
            if (firstArrival) {
                unreadable.notOpened();
            }
            return;
        }
        PayloadWrap.Unwrapped unwrapped;
        try {
            unwrapped = PayloadWrap.unwrap(sent, wrapKeys());
        } catch (PayloadWrap.UnwrapException e) {
            log.info("dropped a message that does not unwrap: {}", e.getMessage());
            return;
        }
        byte[] mlsMessage = unwrapped instanceof PayloadWrap.Unwrapped.Welcome welcome ? welcome.welcome()
                : ((PayloadWrap.Unwrapped.GroupMessage) unwrapped).mlsMessage();
        IncomingMessage message;
        try {
            message = IncomingMessage.inspect(mlsMessage);
        } catch (MlsProtocolException e) {
            log.warn("dropped a message that is not MLS: {}", e.getMessage());
            return;
        }
        if (unwrapped instanceof PayloadWrap.Unwrapped.Welcome) {
            if (message instanceof IncomingMessage.ForNewMembers welcome) {
                join(mlsMessage, welcome, after);
            } else {
                log.warn("dropped a message wrapped as a Welcome that is not one");
            }
            return;
        }
        // Only the group whose key opened the wrapping may receive what it held.
        if (!(message instanceof IncomingMessage.ForGroup forGroup)
                || !forGroup.groupId().equals(((PayloadWrap.Unwrapped.GroupMessage) unwrapped).groupId())) {
            log.warn("dropped a message wrapped for a conversation that is not an MLS message of it");
            return;
        }
        process(mlsMessage, forGroup, firstArrival, after);
    }

    /** The wrapping keys to try: those of every conversation of this device (the groups it left drop their messages later). */
    private List<PayloadWrap.GroupKey> wrapKeys() {
        List<PayloadWrap.GroupKey> keys = new ArrayList<>();
        for (byte[] groupId : store.groupIds()) {
            keys.add(wrapKeys.computeIfAbsent(Bytes.copyOf(groupId), id -> PayloadWrap.GroupKey.of(groupId)));
        }
        return keys;
    }

    /** {@code firstArrival}: the server never delivered this envelope before (a copy of a message read since is then a replay). */
    private void process(byte[] payload, IncomingMessage.ForGroup forGroup, boolean firstArrival, List<Runnable> after) {
        byte[] groupId = forGroup.groupId().toByteArray();
        Group group = store.group(groupId);
        if (group == null) {
            ConversationRecord record = store.record(groupId);
            if (record != null && record.getLeft()) {
                followWhileLeaving(record, payload, after);
            } else {
                log.debug("dropped a message for a conversation this device is not in");
            }
            return;
        }
        if (processedCopies.seen(groupId, payload)) {
            log.debug("dropped a second copy of a message already read (its sender sent it again after a lost acknowledgement)");
            return;
        }
        List<Extension> settingsBefore = group.groupContextExtensions();
        String nameBefore = store.record(groupId).getName();
        ProcessedMessage processed;
        try {
            processed = group.process(payload);
        } catch (MlsProtocolException e) {
            // A second copy after a crash stays silent; anything else is counted and shown.
            unreadable.notProcessed(group, forGroup, e, firstArrival);
            return;
        }
        if (processed instanceof ProcessedMessage.ProposalReceived proposal && !wouldCommit(group, proposal)) {
            // Not saved: the group reloads its state from before the proposal, so no commit of ours carries it.
            store.forget(groupId);
            log.info("dropped a proposal that this conversation's rules do not allow");
            return;
        }
        store.saveGroup(group);
        if (processed instanceof ProcessedMessage.ApplicationMessage application) {
            processedCopies.processed(groupId, payload);
            unreadable.missed(group, application.sender(), application.missedBefore());
            content.receive(group, application, after);
        } else if (processed instanceof ProcessedMessage.CommitApplied applied) {
            if (applied.removedSelf()) {
                store.forget(groupId);
            } else if (!applied.added().isEmpty()) {
                // Newcomers cannot read keys shared before they joined: everyone shares again.
                after.add(() -> outbox.shareAccessKey(groupId));
            }
            if (!store.record(groupId).getRequest()) {
                // A message request shows nothing until accepted, its changes neither.
                after.add(() -> commits.announce(groupId, applied));
                if (!applied.removedSelf() && !group.groupContextExtensions().equals(settingsBefore)) {
                    ConversationEvent changed = settingsChanged(group, applied.committerLeaf(), nameBefore);
                    after.add(() -> events.emit(changed));
                }
            }
        } else if (processed instanceof ProcessedMessage.ProposalReceived proposal
                && ProposalKind.of(proposal) == ProposalKind.REMOVE && !store.record(groupId).getRequest()) {
            // A request's members commit without this device: it commits nothing where it has not accepted.
            after.add(() -> commitPendingProposals(groupId));
        }
    }

    /**
     * Whether this device could commit the proposals it now holds. Received proposals ride along in
     * every commit of the epoch (RFC 9420 section 12.2), so one that the group rules refuse (a
     * member's Remove of someone else) would otherwise block every change, or make an admin's
     * commit carry it out. Parley members propose only removals (their own, when leaving); any
     * other kind (an Add, new settings) could only be carried out by an admin's commit that swept
     * it up, so it is never kept.
     */
    private static boolean wouldCommit(Group group, ProcessedMessage.ProposalReceived proposal) {
        if (ProposalKind.of(proposal) != ProposalKind.REMOVE) {
            return false;
        }
        try {
            group.discardPendingCommit(group.commitPendingProposals().pending());
            return true;
        } catch (MlsProtocolException e) {
            return false;
        }
    }

    /** Who changed a group's settings (a rename, a new admin), its former name and its admins now. */
    private ConversationEvent settingsChanged(Group group, int committerLeaf, String nameBefore) {
        String committer = group.members().stream().filter(m -> m.leafIndex() == committerLeaf)
                .map(m -> MemberCredential.from(m.credential()).username()).findFirst().orElse("someone");
        return new ConversationEvent.SettingsChanged(store.record(group.groupId()).getName(), committer, nameBefore,
                ConversationStore.admins(group));
    }

    /**
     * A conversation this device left by proposing its own removal: until a commit removes it, it
     * follows the group's handshakes and proposes again in every new epoch, because members drop
     * a proposal whose epoch a concurrent commit ended (RFC 9420 section 12.1). Nothing is shown.
     */
    private void followWhileLeaving(ConversationRecord record, byte[] payload, List<Runnable> after) {
        if (record.getGroupState().isEmpty()) {
            return;
        }
        Group group = Group.fromBytes(store.groupConfig(), record.getGroupState().toByteArray());
        if (!group.isActive()) {
            return;
        }
        ProcessedMessage processed;
        try {
            processed = group.process(payload);
        } catch (MlsProtocolException e) {
            log.debug("dropped a message of a conversation this device is leaving: {}", e.getMessage());
            return;
        }
        byte[] proposal = processed instanceof ProcessedMessage.CommitApplied applied && !applied.removedSelf()
                ? group.proposeRemove(group.ownLeafIndex()) : null;
        store.saveRecord(record.toBuilder().setGroupState(ByteString.copyFrom(group.toBytes())).build());
        if (proposal != null) {
            after.add(() -> outbox.fanOut(group, outbox.wrapped(group, proposal)));
        }
    }

    private void commitPendingProposals(byte[] groupId) {
        try {
            commits.commit(groupId, Group::commitPendingProposals, List.of(), false);
        } catch (RuntimeException e) {
            log.debug("another member will commit the pending proposals: {}", e.getMessage());
        }
    }

    private void join(byte[] payload, IncomingMessage.ForNewMembers welcome, List<Runnable> after) {
        for (Bytes keyPackageRef : welcome.keyPackageRefs()) {
            KeyPackageBundle bundle = keyPackages.bundle(keyPackageRef);
            if (bundle == null) {
                continue;
            }
            Group group;
            try {
                group = Group.joinFromWelcome(store.groupConfig(), payload, bundle, null);
            } catch (MlsProtocolException e) {
                // The group rules refuse a group that breaks them (a false 1:1, say): the person hears why.
                log.warn("a Welcome for this device could not be used: {}", e.getMessage());
                after.add(() -> events.emit(new ConversationEvent.InvitationRefused("", e.getMessage())));
                return;
            }
            keyPackages.consumed(keyPackageRef);
            ConversationRecord existing = store.record(group.groupId());
            if (existing != null && !existing.getLeft()) {
                return;
            }
            ConversationRecord.Builder record = store.named(ConversationRecord.newBuilder().setGroupId(ByteString.copyFrom(group.groupId()))
                    .setGroupState(ByteString.copyFrom(group.toBytes())), group);
            if (!requests.markJoined(group, record)) {
                log.debug("ignored a Welcome from a blocked account");
                return;
            }
            store.saveRecord(record.build());
            store.cache(group);
            after.add(() -> outbox.shareAccessKey(group.groupId()));
            return;
        }
        log.debug("a Welcome named none of this device's key packages");
    }
}
