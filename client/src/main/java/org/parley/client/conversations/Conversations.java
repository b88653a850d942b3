package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.parley.client.account.AccessKey;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.attachments.Attachments;
import org.parley.client.content.v1.AccessKeyShare;
import org.parley.client.content.v1.CallSignal;
import org.parley.client.content.v1.Attachment;
import org.parley.client.content.v1.Content;
import org.parley.client.content.v1.ConversationInfo;
import org.parley.client.content.v1.Delete;
import org.parley.client.content.v1.DisappearingTimer;
import org.parley.client.content.v1.Edit;
import org.parley.client.content.v1.Reaction;
import org.parley.client.content.v1.Receipt;
import org.parley.client.content.v1.Reply;
import org.parley.client.content.v1.Text;
import org.parley.client.keys.KeyPackages;
import org.parley.client.keys.MemberCredential;
import org.parley.client.local.v1.ContactRecord;
import org.parley.client.local.v1.ConversationIndex;
import org.parley.client.local.v1.ConversationRecord;
import org.parley.client.local.v1.StoredMessage;
import org.parley.client.local.v1.UnshownMessage;
import org.parley.client.local.v1.UnshownMessages;
import org.parley.client.net.ServerException;
import org.parley.client.net.Session;
import org.parley.client.safety.Contacts;
import org.parley.client.store.ProfileException;
import org.parley.client.store.ProfileStore;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.group.CommitResult;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;
import org.parley.mls.group.IncomingMessage;
import org.parley.mls.group.KeyPackageBundle;
import org.parley.mls.group.Member;
import org.parley.mls.group.ProcessedMessage;
import org.parley.mls.group.ProposalKind;
import org.parley.mls.tree.Parallelism;
import org.parley.protocol.v1.Ack;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Deliver;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.SubmitCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Conversations as MLS groups (RFC 9420) holding every device of every member, 1:1 included, and
 * the processing of incoming mail.
 *
 * <p>Changes are Commits submitted to the server with the group's epoch (RFC 9750 section 5.2):
 * merged when the server accepts; when another member won the epoch, the pending commit is
 * discarded, the winner is processed as it arrives, and the change is made again on the new epoch.
 * Application messages are encrypted for the group and fanned out to the devices in the ratchet
 * tree, sealed when this device holds every recipient account's access key.
 *
 * <p>Incoming mail goes Deliver, process, persist (group state and message in one transaction),
 * Ack, in that order: a crash before the Ack redelivers, and the message-id check shows it once.
 *
 * <p>All state is guarded by this object's monitor; a committer waiting for a winning commit
 * releases it so the inbox thread can process that commit.
 */
public final class Conversations {
    private static final Logger log = LoggerFactory.getLogger(Conversations.class);
    private static final String INDEX = "conversations";
    private static final String UNSHOWN = "unshown";
    /** Unshown messages kept at most; the oldest are dropped from the list (not from history). */
    private static final int MAX_UNSHOWN = 1000;
    private static final int MAX_COMMIT_ATTEMPTS = 20;
    private static final int MAX_NAME_CHARS = 64;

    private final ProfileStore store;
    private final DeviceIdentity identity;
    private final Session session;
    private final KeyPackages keyPackages;
    private final Contacts contacts;
    private final Attachments attachments;
    private final Path downloads;
    private final SecureRandom random;
    private final Clock clock;
    private final Duration timeout;
    private final GroupConfig groupConfig;
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final Receipts receipts;
    private final List<Consumer<ConversationEvent>> listeners = new CopyOnWriteArrayList<>();
    private long drainedCount;

    public Conversations(ProfileStore store, DeviceIdentity identity, Session session, KeyPackages keyPackages,
                         Contacts contacts, Attachments attachments, Path downloads, SecureRandom random, Clock clock,
                         Duration timeout) {
        this.store = store;
        this.identity = identity;
        this.session = session;
        this.keyPackages = keyPackages;
        this.contacts = contacts;
        this.attachments = attachments;
        this.downloads = downloads;
        this.random = random;
        this.clock = clock;
        this.timeout = timeout;
        // Joining a large group verifies every member's leaf signature: lend it the common pool's threads.
        this.groupConfig = GroupConfig.defaults(random).withParallelism(
                new Parallelism(ForkJoinPool.commonPool(), Runtime.getRuntime().availableProcessors()));
        this.receipts = new Receipts(store);
    }

    public void addListener(Consumer<ConversationEvent> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<ConversationEvent> listener) {
        listeners.remove(listener);
    }

    private void emit(ConversationEvent event) {
        for (Consumer<ConversationEvent> listener : listeners) {
            listener.accept(event);
        }
    }

    // ------------------------------------------------------------------ local records

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    private static String recordName(byte[] groupId) {
        return "conversation:" + hex(groupId);
    }

    private List<byte[]> index() {
        byte[] bytes = store.get(INDEX);
        try {
            return bytes == null ? List.of() : ConversationIndex.parseFrom(bytes).getGroupIdsList().stream()
                    .map(ByteString::toByteArray).toList();
        } catch (InvalidProtocolBufferException e) {
            throw new ProfileException("the conversation list in this profile is damaged", e);
        }
    }

    private ConversationRecord record(byte[] groupId) {
        byte[] bytes = store.get(recordName(groupId));
        try {
            return bytes == null ? null : ConversationRecord.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new ProfileException("a conversation in this profile is damaged", e);
        }
    }

    private void saveRecord(ConversationRecord record) {
        byte[] groupId = record.getGroupId().toByteArray();
        if (store.get(recordName(groupId)) == null) {
            ConversationIndex.Builder index = ConversationIndex.newBuilder();
            index().forEach(id -> index.addGroupIds(ByteString.copyFrom(id)));
            index.addGroupIds(record.getGroupId());
            store.put(INDEX, index.build().toByteArray());
        }
        store.put(recordName(groupId), record.toByteArray());
    }

    private void saveGroup(Group group) {
        ConversationRecord record = record(group.groupId());
        saveRecord(record.toBuilder().setGroupState(ByteString.copyFrom(group.toBytes()))
                .setLeft(!group.isActive()).build());
    }

    private Group group(byte[] groupId) {
        return groups.computeIfAbsent(hex(groupId), key -> {
            ConversationRecord record = record(groupId);
            return record == null || record.getLeft() ? null
                    : Group.fromBytes(groupConfig, record.getGroupState().toByteArray());
        });
    }

    /**
     * A message to show, with the name of its conversation and whether that is a 1:1 (named after
     * the other person, so a line reads sender to recipient only when the front end knows it).
     */
    public record Shown(String conversation, boolean direct, StoredMessage message) {
    }

    /**
     * Messages that arrived since the last call, oldest first; each is returned once. The caller
     * shows them to the person, so their senders get a read receipt.
     */
    public synchronized List<Shown> takeUnshown() {
        byte[] bytes = store.get(UNSHOWN);
        if (bytes == null) {
            return List.of();
        }
        store.delete(UNSHOWN);
        List<Shown> shown = new ArrayList<>();
        try {
            for (UnshownMessage unshown : UnshownMessages.parseFrom(bytes).getMessagesList()) {
                // As it is now: edited or deleted since it arrived, or gone when its timer ran out.
                byte[] current = store.message(unshown.getMessage().getId().toByteArray());
                if (current != null) {
                    StoredMessage message = StoredMessage.parseFrom(current);
                    ConversationRecord conversation = record(message.getGroupId().toByteArray());
                    shown.add(new Shown(unshown.getConversation(), conversation != null && conversation.getDirect(), message));
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new ProfileException("the list of unread messages in this profile is damaged", e);
        }
        Map<String, List<ByteString>> readByGroup = new LinkedHashMap<>();
        for (Shown message : shown) {
            if (!message.message().getOutgoing()) {
                readByGroup.computeIfAbsent(hex(message.message().getGroupId().toByteArray()), k -> new ArrayList<>())
                        .add(message.message().getId());
            }
        }
        readByGroup.forEach((group, ids) -> sendReceipts(HexFormat.of().parseHex(group), Receipt.Kind.READ, ids));
        return shown;
    }

    /** Receipts are a courtesy: one that cannot be sent now (offline, conversation left) is not retried. */
    private void sendReceipts(byte[] groupId, Receipt.Kind kind, List<ByteString> messageIds) {
        for (Receipt receipt : Receipts.receipts(kind, messageIds)) {
            try {
                sendControl(groupId, Content.newBuilder().setReceipt(receipt));
            } catch (RuntimeException e) {
                log.info("a {} receipt was not sent: {}", kind, e.getMessage());
                return;
            }
        }
    }

    private void sendDeliveredReceipts() {
        for (Receipts.Pending owed : receipts.takeDelivered()) {
            sendReceipts(owed.groupId(), Receipt.Kind.DELIVERED, owed.messageIds());
        }
    }

    private void addUnshown(String conversation, StoredMessage message) {
        byte[] bytes = store.get(UNSHOWN);
        UnshownMessages.Builder list;
        try {
            list = bytes == null ? UnshownMessages.newBuilder() : UnshownMessages.parseFrom(bytes).toBuilder();
        } catch (InvalidProtocolBufferException e) {
            list = UnshownMessages.newBuilder();
        }
        list.addMessages(UnshownMessage.newBuilder().setConversation(conversation).setMessage(message));
        while (list.getMessagesCount() > MAX_UNSHOWN) {
            list.removeMessages(0);
        }
        store.put(UNSHOWN, list.build().toByteArray());
    }

    /** A conversation as listed to people. */
    public record Summary(byte[] groupId, String name, boolean direct, List<String> members, long epoch, int timerSeconds) {
    }

    public synchronized List<Summary> list() {
        List<Summary> out = new ArrayList<>();
        for (byte[] id : index()) {
            ConversationRecord record = record(id);
            Group group = group(id);
            if (record != null && group != null) {
                out.add(new Summary(id, record.getName(), record.getDirect(), usernames(group), group.epoch(),
                        record.getTimerSeconds()));
            }
        }
        return out;
    }

    /** The active group conversation called {@code name}, or the 1:1 with the user {@code name}. */
    public synchronized Summary find(String name, boolean direct) {
        return (direct ? directWith(name) : list().stream().filter(s -> !s.direct() && s.name().equals(name)).findFirst())
                .orElseThrow(() -> new ConversationException(direct
                        ? "no conversation with " + name + " yet; 'parley send " + name + " TEXT' starts one"
                        : "no group called '" + name + "' here; see 'parley group list'"));
    }

    /** Messages of a conversation, oldest first. */
    public synchronized List<StoredMessage> history(byte[] groupId, int limit) {
        store.deleteExpired(clock.millis());
        List<StoredMessage> out = new ArrayList<>();
        for (byte[] body : store.messages(groupId, limit)) {
            try {
                out.add(StoredMessage.parseFrom(body));
            } catch (InvalidProtocolBufferException e) {
                throw new ProfileException("a stored message is damaged", e);
            }
        }
        return out;
    }

    private static List<String> usernames(Group group) {
        return group.members().stream().map(m -> MemberCredential.from(m.credential()).username()).distinct().sorted().toList();
    }

    // ------------------------------------------------------------------ creating and changing

    /** The 1:1 conversation with {@code username}, created (with all devices of both accounts) when missing. */
    public synchronized Summary direct(String username) {
        if (username.equals(identity.username())) {
            throw new ConversationException("that is you; to talk to your other devices, create a group");
        }
        return directWith(username).orElseGet(() -> create(username, true, List.of(username)));
    }

    /**
     * When both people started their 1:1 at the same moment there are two; both sides then use
     * the one with the lower group id, so they converge on one conversation.
     */
    private Optional<Summary> directWith(String username) {
        return list().stream().filter(s -> s.direct() && s.name().equals(username))
                .min((a, b) -> Arrays.compareUnsigned(a.groupId(), b.groupId()));
    }

    /** A new group conversation named {@code name} with all devices of the given users and of this account. */
    public synchronized Summary createGroup(String name, List<String> usernames) {
        if (name.isBlank() || name.length() > MAX_NAME_CHARS) {
            throw new ConversationException("a group name has 1 to " + MAX_NAME_CHARS + " characters");
        }
        if (list().stream().anyMatch(s -> !s.direct() && s.name().equals(name))) {
            throw new ConversationException("there is already a group called '" + name + "'; choose another name");
        }
        return create(name, false, usernames);
    }

    private Summary create(String name, boolean direct, List<String> usernames) {
        List<KeyPackages.Claimed> joiners = new ArrayList<>(claimOwnOtherDevices());
        for (String username : usernames) {
            if (!username.equals(identity.username())) {
                joiners.addAll(claim(username));
            }
        }
        byte[] groupId = new byte[16];
        random.nextBytes(groupId);
        Group group = Group.create(groupConfig, KeyPackages.SUITE, groupId, keyPackages.credential().toCredential(),
                keyPackages.signatureKeys(), List.of());
        ConversationRecord record = ConversationRecord.newBuilder().setGroupId(ByteString.copyFrom(groupId))
                .setName(name).setDirect(direct).setGroupState(ByteString.copyFrom(group.toBytes())).build();
        saveRecord(record);
        groups.put(hex(groupId), group);
        if (!joiners.isEmpty()) {
            commit(groupId, g -> g.addMembers(joiners.stream().map(KeyPackages.Claimed::message).toList()), joiners, true);
        }
        sendControl(groupId, Content.newBuilder().setConversationInfo(ConversationInfo.newBuilder().setName(name).setDirect(direct)));
        shareAccessKey(groupId);
        return find(name, direct);
    }

    private List<KeyPackages.Claimed> claim(String username) {
        try {
            List<KeyPackages.Claimed> claimed = KeyPackages.claim(session, username);
            if (claimed.isEmpty()) {
                throw new ConversationException(username + " has no device that can be added yet; ask them to run any parley command once");
            }
            Contacts.Observation seen = contacts.observe(username, claimed.get(0).accountId(),
                    claimed.stream().map(KeyPackages.Claimed::identityKey).toList());
            if (seen == Contacts.Observation.CHANGED) {
                emit(new ConversationEvent.KeysChanged(username, username));
            }
            return claimed;
        } catch (ServerException e) {
            if (e.code() == org.parley.protocol.v1.ErrorCode.NOT_FOUND) {
                throw new ConversationException("there is no user '" + username + "' on this server; check the spelling", e);
            }
            throw e;
        }
    }

    private List<KeyPackages.Claimed> claimOwnOtherDevices() {
        return KeyPackages.claim(session, identity.username()).stream()
                .filter(c -> !Arrays.equals(c.deviceId(), identity.deviceId())).toList();
    }

    /** Adds every device of {@code username} to the group {@code name}. */
    public synchronized void addMember(String name, String username) {
        byte[] groupId = find(name, false).groupId();
        if (usernames(group(groupId)).contains(username)) {
            throw new ConversationException(username + " is already in '" + name + "'");
        }
        List<KeyPackages.Claimed> joiners = claim(username);
        commit(groupId, g -> g.addMembers(joiners.stream().map(KeyPackages.Claimed::message).toList()), joiners, true);
        sendControl(groupId, Content.newBuilder().setConversationInfo(ConversationInfo.newBuilder().setName(name)));
        shareAccessKey(groupId);
    }

    /** Removes every device of {@code username} from the group {@code name}. */
    public synchronized void removeMember(String name, String username) {
        byte[] groupId = find(name, false).groupId();
        if (username.equals(identity.username())) {
            throw new ConversationException("to leave a group yourself, use 'parley group leave " + name + "'");
        }
        if (!usernames(group(groupId)).contains(username)) {
            throw new ConversationException(username + " is not in '" + name + "'");
        }
        commit(groupId, g -> g.removeMembers(leavesOf(g, m -> m.username().equals(username))), List.of(), true);
    }

    private static List<Integer> leavesOf(Group group, java.util.function.Predicate<MemberCredential> which) {
        return group.members().stream().filter(m -> which.test(MemberCredential.from(m.credential())))
                .map(Member::leafIndex).toList();
    }

    /**
     * Leaves the group: a Remove proposal for this device's leaf (a member cannot commit its own
     * removal, RFC 9420 section 12.2), which the other members commit; this device forgets the group.
     */
    public synchronized void leave(String name) {
        byte[] groupId = find(name, false).groupId();
        Group group = group(groupId);
        byte[] proposal = group.proposeRemove(group.ownLeafIndex());
        saveGroup(group);
        fanOut(group, proposal, false);
        saveRecord(record(groupId).toBuilder().setLeft(true).build());
        groups.remove(hex(groupId));
    }

    /** A fresh leaf key for this device in the group (post-compromise security), by commit. */
    public synchronized void update(byte[] groupId) {
        commit(groupId, Group::update, List.of(), true);
    }

    public synchronized long epoch(byte[] groupId) {
        return group(groupId).epoch();
    }

    /** Sends a call signal to the conversation, as an application message like a chat message. */
    public synchronized void sendCallSignal(byte[] groupId, CallSignal signal) {
        sendControl(groupId, Content.newBuilder().setCallSignal(signal));
    }

    /**
     * An MLS-Exporter secret of the group's current epoch with what is needed to use it per member
     * (RFC 9605 Section 5.2): the epoch, this device's leaf, every member's leaf, the tree's width.
     */
    public record EpochSecret(long epoch, int ownLeaf, List<Integer> memberLeaves, int leafCount, byte[] secret) {
        @Override
        public String toString() {
            return "EpochSecret[epoch=" + epoch + ", ownLeaf=" + ownLeaf + ", members=" + memberLeaves.size() + "]";
        }
    }

    /** Exports {@code length} bytes under {@code label} from the group's current epoch, with that epoch's membership. */
    public synchronized EpochSecret exportSecret(byte[] groupId, String label, int length) {
        Group group = group(groupId);
        if (group == null) {
            throw new ConversationException("this device is no longer in that conversation");
        }
        List<Integer> leaves = group.members().stream().map(Member::leafIndex).toList();
        int width = leaves.stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        return new EpochSecret(group.epoch(), group.ownLeafIndex(), leaves, width,
                group.exportSecret(label, new byte[0], length));
    }

    public synchronized byte[] epochAuthenticator(byte[] groupId) {
        return group(groupId).epochAuthenticator();
    }

    /**
     * Brings this account's devices in every conversation in line with the server's device list:
     * devices linked since are added, unlinked ones removed.
     *
     * @return false when a linked device could not be added somewhere yet because the server had no
     *         key package of it (a device that was just linked publishes its packages moments later)
     */
    public synchronized boolean syncOwnDevices(List<byte[]> currentDevices) {
        boolean complete = true;
        for (Summary summary : list()) {
            Group group = group(summary.groupId());
            List<byte[]> inGroup = group.members().stream().map(m -> MemberCredential.from(m.credential()))
                    .filter(m -> Arrays.equals(m.accountId(), identity.accountId())).map(MemberCredential::deviceId).toList();
            List<byte[]> missing = currentDevices.stream().filter(d -> inGroup.stream().noneMatch(g -> Arrays.equals(g, d))).toList();
            if (!missing.isEmpty()) {
                List<KeyPackages.Claimed> joiners = claimOwnOtherDevices().stream()
                        .filter(c -> inGroup.stream().noneMatch(g -> Arrays.equals(g, c.deviceId()))).toList();
                if (!joiners.isEmpty()) {
                    commit(summary.groupId(), g -> g.addMembers(joiners.stream().map(KeyPackages.Claimed::message).toList()), joiners, true);
                    sendControl(summary.groupId(), Content.newBuilder().setConversationInfo(
                            ConversationInfo.newBuilder().setName(summary.name()).setDirect(summary.direct())));
                    shareAccessKey(summary.groupId());
                }
                complete &= missing.stream().allMatch(d -> joiners.stream().anyMatch(j -> Arrays.equals(j.deviceId(), d)));
            }
            List<Integer> stale = leavesOf(group, m -> Arrays.equals(m.accountId(), identity.accountId())
                    && currentDevices.stream().noneMatch(d -> Arrays.equals(d, m.deviceId())));
            if (!stale.isEmpty()) {
                commit(summary.groupId(), g -> g.removeMembers(leavesOf(g, m -> Arrays.equals(m.accountId(), identity.accountId())
                        && currentDevices.stream().noneMatch(d -> Arrays.equals(d, m.deviceId())))), List.of(), true);
            }
        }
        return complete;
    }

    /**
     * Submits a commit made by {@code change} until it wins an epoch. On rejection the pending
     * commit is dropped, the winner processed, and {@code change} applied again to the new epoch.
     * With {@code mayWait} false (on the inbox thread, which cannot wait for itself) a loser gives up.
     */
    private void commit(byte[] groupId, Function<Group, CommitResult> change, List<KeyPackages.Claimed> joiners, boolean mayWait) {
        for (int attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
            Group group = group(groupId);
            if (group == null) {
                throw new ConversationException("this device is no longer in that conversation");
            }
            CommitResult result;
            try {
                result = change.apply(group);
            } catch (MlsProtocolException e) {
                throw new ConversationException("the change cannot be made: " + e.getMessage(), e);
            }
            byte[] commitId = new byte[16];
            random.nextBytes(commitId);
            List<RecipientAccount> to = recipients(group);
            SubmitCommit.Builder submit = SubmitCommit.newBuilder()
                    .setGroupId(ByteString.copyFrom(groupId)).setEpoch(result.pending().baseEpoch())
                    .setSend(Send.newBuilder().setMessageId(ByteString.copyFrom(commitId)).addAllRecipients(to)
                            .setPayload(ByteString.copyFrom(result.commitMessage())));
            // The server stores the Welcome with the commit, so joiners have it before any message of the new epoch.
            result.welcome().ifPresent(welcome -> submit.setWelcome(Send.newBuilder().setMessageId(ByteString.copyFrom(commitId))
                    .addAllRecipients(welcomeRecipients(joiners)).setPayload(ByteString.copyFrom(welcome))));
            List<ServerFrame> answers = session.exchange(ClientFrame.newBuilder().setSubmitCommit(submit),
                    frames -> !frames.get(0).hasCommitResult() || !frames.get(0).getCommitResult().getAccepted() || frames.size() == 2);
            ServerFrame first = answers.get(0);
            if (first.hasError()) {
                group.discardPendingCommit(result.pending());
                throw new ServerException(first.getError().getCode(), first.getError().getMessage());
            }
            if (first.getCommitResult().getAccepted()) {
                ProcessedMessage.CommitApplied applied = group.mergePendingCommit(result.pending());
                saveGroup(group);
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

    private void awaitEpoch(byte[] groupId, long epoch) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                Group group = group(groupId);
                if (group == null || group.epoch() >= epoch) {
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new ConversationException("another member's change (epoch " + epoch
                            + ") did not arrive in time; try again");
                }
                wait(Math.max(1, left / 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConversationException("interrupted while waiting for the group to settle");
        }
    }

    private static List<RecipientAccount> welcomeRecipients(List<KeyPackages.Claimed> joiners) {
        Map<String, RecipientAccount.Builder> byAccount = new LinkedHashMap<>();
        for (KeyPackages.Claimed joiner : joiners) {
            byAccount.computeIfAbsent(hex(joiner.accountId()), k -> RecipientAccount.newBuilder()
                    .setAccountId(ByteString.copyFrom(joiner.accountId()))).addDeviceIds(ByteString.copyFrom(joiner.deviceId()));
        }
        return byAccount.values().stream().map(RecipientAccount.Builder::build).toList();
    }

    private void announce(byte[] groupId, ProcessedMessage.CommitApplied applied) {
        String name = record(groupId).getName();
        List<String> added = applied.added().stream().map(m -> MemberCredential.from(m.credential()).username()).distinct().toList();
        List<String> removed = applied.removed().stream().map(m -> MemberCredential.from(m.credential()).username()).distinct().toList();
        if (!added.isEmpty()) {
            emit(new ConversationEvent.MembersAdded(name, added));
        }
        if (!removed.isEmpty()) {
            emit(new ConversationEvent.MembersRemoved(name, removed));
        }
        if (applied.removedSelf()) {
            emit(new ConversationEvent.RemovedSelf(name));
        }
    }

    // ------------------------------------------------------------------ sending

    /** Sends a text to a conversation; returns the stored copy. */
    public synchronized StoredMessage sendText(byte[] groupId, String text) {
        return sendContent(groupId, Content.newBuilder().setText(Text.newBuilder().setText(text)), text, "");
    }

    /** Encrypts and uploads a file, then sends the pointer to it. */
    public synchronized StoredMessage sendFile(byte[] groupId, Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConversationException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String name = file.getFileName().toString();
        Attachments.Pointer pointer = attachments.upload(name, bytes);
        Attachment.Builder body = Attachment.newBuilder().setKey(ByteString.copyFrom(pointer.key()))
                .setDigest(ByteString.copyFrom(pointer.digest())).setSize(pointer.size()).setName(name)
                .setAttachmentId(pointer.attachmentId());
        return sendContent(groupId, Content.newBuilder().setAttachment(body), "[file] " + name, file.toAbsolutePath().toString());
    }

    /** Replies to message {@code quotedId} with a text. */
    public synchronized StoredMessage reply(byte[] groupId, byte[] quotedId, String text) {
        return sendContent(groupId, Content.newBuilder().setReply(Reply.newBuilder()
                .setQuotedId(ByteString.copyFrom(quotedId)).setText(text)), "(reply) " + text, "");
    }

    /** Replaces the text of one of this account's messages, for everyone. */
    public synchronized void edit(byte[] groupId, byte[] targetId, String text) {
        sendControl(groupId, Content.newBuilder().setEdit(Edit.newBuilder().setTargetId(ByteString.copyFrom(targetId)).setText(text)));
        edit(targetId, text, false);
    }

    /** Deletes one of this account's messages, for everyone. */
    public synchronized void delete(byte[] groupId, byte[] targetId) {
        sendControl(groupId, Content.newBuilder().setDelete(Delete.newBuilder().setTargetId(ByteString.copyFrom(targetId))));
        edit(targetId, "", true);
    }

    /** Reacts to a message with an emoji (empty removes the reaction). */
    public synchronized void react(byte[] groupId, byte[] targetId, String emoji) {
        sendControl(groupId, Content.newBuilder().setReaction(Reaction.newBuilder().setTargetId(ByteString.copyFrom(targetId)).setEmoji(emoji)));
    }

    /** Sets the conversation's disappearing-message timer for everyone in it. */
    public synchronized void setTimer(byte[] groupId, int seconds) {
        sendControl(groupId, Content.newBuilder().setDisappearingTimer(DisappearingTimer.newBuilder().setSeconds(seconds)));
        saveRecord(record(groupId).toBuilder().setTimerSeconds(seconds).build());
    }

    private StoredMessage sendContent(byte[] groupId, Content.Builder content, String shownText, String attachmentPath) {
        Content sent = sendControl(groupId, content);
        StoredMessage stored = StoredMessage.newBuilder().setId(sent.getId()).setGroupId(ByteString.copyFrom(groupId))
                .setSender(identity.username()).setSenderDevice(sent.getSenderDevice()).setSentAt(sent.getSentAt())
                .setText(shownText).setAttachmentPath(attachmentPath).setOutgoing(true).build();
        store.addMessage(groupId, sent.getId().toByteArray(), stored.toByteArray(), expiry(groupId, sent.getSentAt()));
        return stored;
    }

    private Content sendControl(byte[] groupId, Content.Builder content) {
        Group group = group(groupId);
        if (group == null) {
            throw new ConversationException("this device is no longer in that conversation");
        }
        byte[] id = new byte[16];
        random.nextBytes(id);
        Content built = content.setId(ByteString.copyFrom(id)).setSentAt(clock.millis())
                .setSenderDevice(ByteString.copyFrom(identity.deviceId())).build();
        byte[] ciphertext = group.encrypt(built.toByteArray());
        // The sending ratchet moved: persist before the ciphertext leaves, so a crash cannot reuse a key.
        saveGroup(group);
        fanOut(group, ciphertext, true);
        return built;
    }

    private void shareAccessKey(byte[] groupId) {
        byte[] profileKey = identity.profileKey();
        if (profileKey.length > 0) {
            sendControl(groupId, Content.newBuilder().setAccessKeyShare(AccessKeyShare.newBuilder()
                    .setAccountId(ByteString.copyFrom(identity.accountId()))
                    .setAccessKey(ByteString.copyFrom(AccessKey.fromProfileKey(profileKey)))
                    .setProfileKey(ByteString.copyFrom(profileKey))));
        }
    }

    /** Every device in the tree but this one, by account. */
    private List<RecipientAccount> recipients(Group group) {
        Map<String, RecipientAccount.Builder> byAccount = new LinkedHashMap<>();
        for (Member member : group.members()) {
            if (member.leafIndex() == group.ownLeafIndex()) {
                continue;
            }
            MemberCredential who = MemberCredential.from(member.credential());
            byAccount.computeIfAbsent(hex(who.accountId()), k -> RecipientAccount.newBuilder()
                    .setAccountId(ByteString.copyFrom(who.accountId()))).addDeviceIds(ByteString.copyFrom(who.deviceId()));
        }
        return byAccount.values().stream().map(RecipientAccount.Builder::build).toList();
    }

    private void fanOut(Group group, byte[] payload, boolean sealIfPossible) {
        List<RecipientAccount> to = recipients(group);
        if (to.isEmpty()) {
            return;
        }
        if (sealIfPossible) {
            List<RecipientAccount> sealed = new ArrayList<>();
            for (RecipientAccount account : to) {
                byte[] key = accessKeyOf(account.getAccountId().toByteArray());
                if (key == null) {
                    sealed = null;
                    break;
                }
                sealed.add(account.toBuilder().setAccessKey(ByteString.copyFrom(key)).build());
            }
            if (sealed != null) {
                send(sealed, payload, true);
                return;
            }
        }
        send(to, payload, false);
    }

    private byte[] accessKeyOf(byte[] accountId) {
        if (Arrays.equals(accountId, identity.accountId())) {
            return identity.profileKey().length == 0 ? null : AccessKey.fromProfileKey(identity.profileKey());
        }
        for (Summary summary : list()) {
            for (String username : summary.members()) {
                ContactRecord contact = contacts.get(username);
                if (contact != null && Arrays.equals(contact.getAccountId().toByteArray(), accountId)
                        && !contact.getAccessKey().isEmpty()) {
                    return contact.getAccessKey().toByteArray();
                }
            }
        }
        return null;
    }

    private void send(List<RecipientAccount> to, byte[] payload, boolean sealed) {
        byte[] messageId = new byte[16];
        random.nextBytes(messageId);
        session.call(ClientFrame.newBuilder().setSend(Send.newBuilder().setMessageId(ByteString.copyFrom(messageId))
                .addAllRecipients(to).setPayload(ByteString.copyFrom(payload)).setSealed(sealed)));
    }

    private Long expiry(byte[] groupId, long sentAt) {
        int timer = record(groupId).getTimerSeconds();
        return timer == 0 ? null : sentAt + timer * 1000L;
    }

    // ------------------------------------------------------------------ receiving

    /** Counts MailboxDrained pushes processed, so that callers can wait for the backlog. */
    public synchronized long drainedCount() {
        return drainedCount;
    }

    /** Waits until at least {@code count} MailboxDrained pushes were processed; false on timeout. */
    public synchronized boolean awaitDrained(long count, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (drainedCount < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** Handles one server push: Deliver is processed, persisted and then acknowledged. */
    public synchronized void handlePush(ServerFrame push) {
        try {
            if (push.hasError()) {
                // The answer to a posted frame (an acknowledgement) that the server refused.
                log.info("the server refused a posted request: {}", push.getError().getMessage());
            } else if (push.hasMailboxDrained()) {
                drainedCount++;
                store.deleteExpired(clock.millis());
                sendDeliveredReceipts();
            } else if (push.hasDeliver()) {
                Deliver deliver = push.getDeliver();
                log.debug("{} processing envelope {} ({} bytes)", identity.username(), deliver.getEnvelopeId(),
                        deliver.getPayload().size());
                List<Runnable> after = new ArrayList<>();
                try {
                    store.inTransaction(() -> process(deliver.getPayload().toByteArray(), after));
                } catch (RuntimeException e) {
                    // Nothing was persisted: forget in-memory group states (process may have moved
                    // them) and leave the mail unacknowledged, so it comes again on the next connection.
                    groups.clear();
                    log.warn("could not process a message, it will be retried: {}", e.getMessage());
                    return;
                }
                // Posted, not awaited: the next message need not wait for the server's durable delete.
                // An acknowledgement that is lost (disconnected, refused) only means the server
                // delivers the message again, and the stored state (used keys, message id) drops the copy.
                if (!session.post(ClientFrame.newBuilder().setAck(Ack.newBuilder().addEnvelopeIds(deliver.getEnvelopeId())))) {
                    log.info("not connected to acknowledge a message; it will come again and be dropped");
                }
                after.forEach(Runnable::run);
                if (drainedCount > 0) {
                    // Live: confirm at once. While a backlog drains, receipts wait for its end.
                    sendDeliveredReceipts();
                }
            }
        } finally {
            notifyAll();
        }
    }

    private void process(byte[] payload, List<Runnable> after) {
        IncomingMessage message;
        try {
            message = IncomingMessage.inspect(payload);
        } catch (MlsProtocolException e) {
            log.warn("dropped a message that is not MLS: {}", e.getMessage());
            return;
        }
        if (message instanceof IncomingMessage.ForNewMembers welcome) {
            join(payload, welcome, after);
            return;
        }
        if (!(message instanceof IncomingMessage.ForGroup forGroup)) {
            log.warn("dropped an MLS message that is for no group: {}", message);
            return;
        }
        byte[] groupId = forGroup.groupId();
        Group group = group(groupId);
        if (group == null) {
            ConversationRecord record = record(groupId);
            if (record != null && record.getLeft()) {
                followWhileLeaving(record, payload, after);
            } else {
                log.debug("dropped a message for a conversation this device is not in");
            }
            return;
        }
        ProcessedMessage processed;
        try {
            processed = group.process(payload);
        } catch (MlsProtocolException e) {
            // Redelivered after a crash (keys already used), our own commit coming back, or an old epoch.
            log.debug("dropped a message the group cannot process: {}", e.getMessage());
            return;
        }
        if (processed instanceof ProcessedMessage.ApplicationMessage application) {
            saveGroup(group);
            receive(group, application, after);
        } else if (processed instanceof ProcessedMessage.CommitApplied applied) {
            saveGroup(group);
            if (applied.removedSelf()) {
                groups.remove(hex(groupId));
            } else if (!applied.added().isEmpty()) {
                // Newcomers cannot read keys shared before they joined: everyone shares again.
                after.add(() -> shareAccessKey(groupId));
            }
            after.add(() -> announce(groupId, applied));
        } else if (processed instanceof ProcessedMessage.ProposalReceived proposal) {
            saveGroup(group);
            if (ProposalKind.of(proposal) == ProposalKind.REMOVE) {
                after.add(() -> commitPendingProposals(groupId));
            }
        }
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
        Group group = Group.fromBytes(groupConfig, record.getGroupState().toByteArray());
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
        saveRecord(record.toBuilder().setGroupState(ByteString.copyFrom(group.toBytes())).build());
        if (proposal != null) {
            after.add(() -> fanOut(group, proposal, false));
        }
    }

    private void commitPendingProposals(byte[] groupId) {
        try {
            commit(groupId, Group::commitPendingProposals, List.of(), false);
        } catch (RuntimeException e) {
            log.debug("another member will commit the pending proposals: {}", e.getMessage());
        }
    }

    private void join(byte[] payload, IncomingMessage.ForNewMembers welcome, List<Runnable> after) {
        for (byte[] keyPackageRef : welcome.keyPackageRefs()) {
            KeyPackageBundle bundle = keyPackages.bundle(keyPackageRef);
            if (bundle == null) {
                continue;
            }
            Group group;
            try {
                group = Group.joinFromWelcome(groupConfig, payload, bundle, null);
            } catch (MlsProtocolException e) {
                log.warn("a Welcome for this device could not be used: {}", e.getMessage());
                return;
            }
            keyPackages.consumed(keyPackageRef);
            if (record(group.groupId()) != null && !record(group.groupId()).getLeft()) {
                return;
            }
            List<String> others = usernames(group).stream().filter(u -> !u.equals(identity.username())).toList();
            saveRecord(ConversationRecord.newBuilder().setGroupId(ByteString.copyFrom(group.groupId()))
                    .setName(others.isEmpty() ? identity.username() : String.join(",", others))
                    .setGroupState(ByteString.copyFrom(group.toBytes())).build());
            groups.put(hex(group.groupId()), group);
            after.add(() -> shareAccessKey(group.groupId()));
            return;
        }
        log.debug("a Welcome named none of this device's key packages");
    }

    private void receive(Group group, ProcessedMessage.ApplicationMessage application, List<Runnable> after) {
        byte[] groupId = group.groupId();
        Content content;
        try {
            content = Content.parseFrom(application.data());
        } catch (InvalidProtocolBufferException e) {
            log.warn("dropped an undecodable message in a conversation");
            return;
        }
        MemberCredential sender = MemberCredential.from(application.sender().credential());
        if (!Arrays.equals(sender.deviceId(), content.getSenderDevice().toByteArray()) || content.getId().size() != 16) {
            log.warn("dropped a message whose content does not match its MLS sender");
            return;
        }
        boolean changed = observeSender(sender, application.sender().signatureKey().bytes());
        ConversationRecord record = record(groupId);
        String text = null;
        String attachmentPath = "";
        switch (content.getBodyCase()) {
            case TEXT -> text = content.getText().getText();
            case REPLY -> text = "(reply) " + content.getReply().getText();
            case ATTACHMENT -> {
                attachmentPath = save(content.getAttachment());
                text = "[file] " + content.getAttachment().getName() + " saved to " + attachmentPath;
            }
            case EDIT -> {
                if (editBy(sender.username(), content.getEdit().getTargetId().toByteArray(), content.getEdit().getText(), false)) {
                    after.add(() -> emit(new ConversationEvent.MessageEdited(record.getName(), sender.username(),
                            content.getEdit().getText())));
                }
            }
            case DELETE -> {
                if (editBy(sender.username(), content.getDelete().getTargetId().toByteArray(), "", true)) {
                    after.add(() -> emit(new ConversationEvent.MessageDeleted(record.getName(), sender.username())));
                }
            }
            case REACTION -> after.add(() -> emit(new ConversationEvent.Reacted(record.getName(), sender.username(),
                    content.getReaction().getEmoji())));
            case DISAPPEARING_TIMER -> {
                int seconds = content.getDisappearingTimer().getSeconds();
                saveRecord(record(groupId).toBuilder().setTimerSeconds(seconds).build());
                after.add(() -> emit(new ConversationEvent.TimerChanged(record.getName(), sender.username(), seconds)));
            }
            case ACCESS_KEY_SHARE -> {
                AccessKeyShare share = content.getAccessKeyShare();
                if (!Arrays.equals(share.getAccountId().toByteArray(), sender.accountId())) {
                    log.warn("dropped an access key that {} sent for another account", sender.username());
                } else if (Arrays.equals(sender.accountId(), identity.accountId())) {
                    identity.adoptProfileKey(store, share.getProfileKey().toByteArray());
                } else {
                    contacts.rememberAccessKey(sender.username(), share.getAccessKey().toByteArray());
                }
            }
            case CONVERSATION_INFO -> nameConversation(group, content.getConversationInfo());
            case CALL_SIGNAL -> after.add(() -> emit(new ConversationEvent.CallSignalled(record.getName(), groupId,
                    sender.username(), content.getCallSignal())));
            case RECEIPT -> {
                if (!Arrays.equals(sender.accountId(), identity.accountId())) {
                    Receipt receipt = content.getReceipt();
                    int marked = receipts.apply(groupId, sender.username(), receipt);
                    if (marked > 0) {
                        after.add(() -> emit(new ConversationEvent.Receipted(record.getName(), sender.username(),
                                receipt.getKind() == Receipt.Kind.READ, marked)));
                    }
                }
            }
            case BODY_NOT_SET -> { }
        }
        if (changed && text == null) {
            // A control message (an access key shared on joining, say) carried the new key: say so now,
            // since the key is known from here on and the next text would not be flagged.
            after.add(() -> emit(new ConversationEvent.KeysChanged(record.getName(), sender.username())));
        }
        if (text != null) {
            StoredMessage stored = StoredMessage.newBuilder().setId(content.getId()).setGroupId(ByteString.copyFrom(groupId))
                    .setSender(sender.username()).setSenderDevice(content.getSenderDevice()).setSentAt(content.getSentAt())
                    .setText(text).setAttachmentPath(attachmentPath)
                    .setOutgoing(sender.username().equals(identity.username())).setIdentityChanged(changed).build();
            if (store.addMessage(groupId, content.getId().toByteArray(), stored.toByteArray(), expiry(groupId, content.getSentAt()))) {
                if (!Arrays.equals(sender.accountId(), identity.accountId())) {
                    receipts.arrived(groupId, content.getId());
                }
                String name = record(groupId).getName();
                addUnshown(name, stored);
                after.add(() -> emit(new ConversationEvent.Message(name, stored, changed)));
            }
        }
    }

    private void nameConversation(Group group, ConversationInfo info) {
        ConversationRecord record = record(group.groupId());
        String name;
        if (info.getDirect()) {
            name = usernames(group).stream().filter(u -> !u.equals(identity.username())).findFirst().orElse(record.getName());
        } else {
            name = info.getName().isBlank() || info.getName().length() > MAX_NAME_CHARS ? record.getName() : info.getName();
        }
        saveRecord(record.toBuilder().setName(name).setDirect(info.getDirect()).build());
    }

    private boolean observeSender(MemberCredential sender, byte[] signatureKey) {
        if (sender.username().equals(identity.username())) {
            return false;
        }
        ContactRecord known = contacts.get(sender.username());
        if (known != null && known.getIdentityKeysList().stream().anyMatch(k -> Arrays.equals(k.toByteArray(), signatureKey))) {
            return false;
        }
        List<byte[]> keys = new ArrayList<>();
        if (known != null) {
            known.getIdentityKeysList().forEach(k -> keys.add(k.toByteArray()));
        }
        keys.add(signatureKey);
        return contacts.observe(sender.username(), sender.accountId(), keys) == Contacts.Observation.CHANGED;
    }

    private void edit(byte[] targetId, String text, boolean deleted) {
        editBy(identity.username(), targetId, text, deleted);
    }

    /**
     * Edits and deletions apply only to a message of the same sender that this device has; the text
     * is replaced in place. @return whether such a message was changed
     */
    private boolean editBy(String sender, byte[] targetId, String text, boolean deleted) {
        byte[] body = store.message(targetId);
        if (body == null) {
            return false;
        }
        StoredMessage message;
        try {
            message = StoredMessage.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw new ProfileException("a stored message is damaged", e);
        }
        if (!message.getSender().equals(sender) || message.getDeleted()) {
            return false;
        }
        return store.replaceMessage(targetId, message.toBuilder().setText(deleted ? "(deleted)" : text)
                .setDeleted(deleted).setEdited(!deleted).build().toByteArray());
    }

    private String save(Attachment attachment) {
        byte[] plain;
        try {
            plain = attachments.download(new Attachments.Pointer(attachment.getAttachmentId(), attachment.getKey().toByteArray(),
                    attachment.getDigest().toByteArray(), attachment.getSize(), attachment.getName()));
        } catch (org.parley.client.attachments.AttachmentException e) {
            // Shown instead of retried forever: an expired or altered blob will not get better.
            return "(not saved: " + e.getMessage() + ")";
        }
        String safeName = attachment.getName().replaceAll("[^A-Za-z0-9._-]", "_");
        if (safeName.isEmpty() || safeName.startsWith(".")) {
            safeName = "file" + safeName;
        }
        try {
            Files.createDirectories(downloads);
            Path target = downloads.resolve(attachment.getAttachmentId().substring(0, 8) + "-" + safeName);
            Files.write(target, plain);
            return target.toString();
        } catch (IOException e) {
            throw new ConversationException("cannot save the attachment under " + downloads + ": " + e.getMessage(), e);
        }
    }
}
