package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.attachments.Attachments;
import org.parley.client.content.v1.Attachment;
import org.parley.client.content.v1.CallSignal;
import org.parley.client.content.v1.Content;
import org.parley.client.content.v1.Delete;
import org.parley.client.content.v1.DisappearingTimer;
import org.parley.client.content.v1.Edit;
import org.parley.client.content.v1.Reaction;
import org.parley.client.content.v1.Receipt;
import org.parley.client.content.v1.Reply;
import org.parley.client.content.v1.Text;
import org.parley.client.keys.DeviceCertificates;
import org.parley.client.keys.KeyPackages;
import org.parley.client.local.v1.StoredMessage;
import org.parley.client.net.Session;
import org.parley.client.safety.Contacts;
import org.parley.client.store.ProfileStore;
import org.parley.mls.codec.Bytes;
import org.parley.mls.crypto.Secret;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;
import org.parley.mls.group.GroupPolicy;
import org.parley.mls.group.Member;
import org.parley.mls.tree.Parallelism;
import org.parley.protocol.v1.ServerFrame;

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
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;

/**
 * Conversations as MLS groups (RFC 9420) holding every device of every member, 1:1 included, and
 * the processing of incoming mail: the SDK's face, composed of parts with one concern each, in the
 * manner of a Netty pipeline:
 *
 * <ul>
 *   <li>{@link ConversationStore}: records, the index, stored and unshown messages, groups in memory;</li>
 *   <li>{@link CommitCoordinator}: commits ordered by the server (RFC 9750 section 5.2), retried
 *       on the new epoch when another member won;</li>
 *   <li>{@link Outbox}: encryption and fan-out to the ratchet tree's devices, sealed when every
 *       recipient's access key is known ({@link Carrier}), else queued ({@link OutgoingQueue});</li>
 *   <li>{@link Inbox}: Deliver, process, persist, Ack, then events;</li>
 *   <li>{@link ContentHandler}: what an application message says;</li>
 *   <li>{@link Membership} and {@link OwnDevices}: who is in a conversation, its name and admins;</li>
 *   <li>{@link GroupRules}: the MLS group policy with which every member enforces the
 *       {@link ConversationSettings} (1:1s of two accounts, changes by admins only);</li>
 *   <li>{@link Receipts} and {@link Events}.</li>
 * </ul>
 *
 * <p>All state is guarded by this object's monitor; a committer waiting for a winning commit
 * releases it so the inbox thread can process that commit.
 */
public final class Conversations {
    private final DeviceIdentity identity;
    private final Attachments attachments;
    private final ConversationStore store;
    private final Events events = new Events();
    private final Outbox outbox;
    private final CommitCoordinator commits;
    private final Membership membership;
    private final OwnDevices ownDevices;
    private final Inbox inbox;
    private final Requests requests;

    public Conversations(ProfileStore profile, DeviceIdentity identity, Session session, OutgoingQueue outgoing, KeyPackages keyPackages,
                         Contacts contacts, Attachments attachments, Path downloads, SecureRandom random, Clock clock,
                         Duration timeout) {
        this.identity = identity;
        this.attachments = attachments;
        DeviceCertificates deviceCertificates = new DeviceCertificates(identity, contacts);
        // Joining a large group verifies every member's leaf signature: lend it the common pool's threads.
        GroupConfig groupConfig = GroupConfig.defaults(random).withParallelism(
                new Parallelism(ForkJoinPool.commonPool(), Runtime.getRuntime().availableProcessors()))
                .withPolicy(GroupPolicy.allOf(deviceCertificates, new GroupRules(Bytes.copyOf(identity.accountId()))));
        this.store = new ConversationStore(profile, groupConfig, Bytes.copyOf(identity.accountId()), contacts, clock);
        Receipts receipts = new Receipts(profile);
        Consent consent = new Consent(profile, identity);
        this.outbox = new Outbox(store, identity, outgoing, contacts, consent, random, clock);
        this.commits = new CommitCoordinator(this, store, outgoing.carrier(), outbox, events, random, timeout);
        this.membership = new Membership(store, identity, session, keyPackages, contacts, commits, outbox, events, random);
        this.ownDevices = new OwnDevices(store, identity, membership, commits, outbox, events);
        this.requests = new Requests(store, consent, identity, session, membership, outbox, random);
        ContentHandler content = new ContentHandler(store, identity, contacts, deviceCertificates, attachments, downloads, receipts,
                consent, events);
        this.inbox = new Inbox(this, store, identity, session, keyPackages, commits, outbox, content, receipts, requests,
                new UnreadableMessages(store, events), events);
    }

    public void addListener(Consumer<ConversationEvent> listener) {
        events.add(listener);
    }

    public void removeListener(Consumer<ConversationEvent> listener) {
        events.remove(listener);
    }

    // ------------------------------------------------------------------ reading

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
        List<Shown> shown = store.takeUnshown();
        Map<String, List<ByteString>> readByGroup = new LinkedHashMap<>();
        for (Shown message : shown) {
            if (!message.message().getOutgoing()) {
                readByGroup.computeIfAbsent(ConversationStore.hex(message.message().getGroupId().toByteArray()),
                        k -> new ArrayList<>()).add(message.message().getId());
            }
        }
        readByGroup.forEach((group, ids) -> outbox.sendReceipts(HexFormat.of().parseHex(group), Receipt.Kind.READ, ids));
        return shown;
    }

    /**
     * A conversation as listed to people; {@code admins} are the members who may change a group
     * (add, remove, rename, promote), none for a 1:1.
     */
    public record Summary(Bytes groupId, String name, boolean direct, List<String> members, long epoch, int timerSeconds,
                          List<String> admins) {
        public Summary {
            members = List.copyOf(members);
            admins = List.copyOf(admins);
        }
    }

    public synchronized List<Summary> list() {
        return store.list();
    }

    /**
     * The active group conversation called {@code name}, or the 1:1 with the user {@code name}; for
     * a 1:1, a username the server has not confirmed to this device yet is claimed from it first.
     */
    public synchronized Summary find(String name, boolean direct) {
        return direct ? membership.findDirect(name) : store.find(name, false);
    }

    /** Messages of a conversation, oldest first. */
    public synchronized List<StoredMessage> history(byte[] groupId, int limit) {
        return store.history(groupId, limit);
    }

    // ------------------------------------------------------------------ message requests

    /**
     * A conversation that an account this account has not accepted added it to: {@code inviter} is
     * that account's username (empty when unknown), {@code messages} how many it holds.
     */
    public record Request(Bytes groupId, String conversation, boolean direct, String inviter, int messages) {
    }

    /** The message requests waiting for a decision. */
    public synchronized List<Request> requests() {
        return requests.list();
    }

    /** Requests that no front end has shown yet; each is returned once (listed by {@link #requests()} until decided). */
    public synchronized List<Request> takeNewRequests() {
        return requests.takeNew();
    }

    /**
     * Accepts the request called {@code name}, or every request from the user {@code name} (the
     * account the server gives that name): its inviter is accepted, and this account's access key
     * and the receipts owed are sent.
     */
    public synchronized void accept(String name) {
        membership.confirmName(name);
        requests.accept(name);
    }

    /** Deletes the request called {@code name}: this device leaves that group and forgets its messages. */
    public synchronized void delete(String name) {
        requests.delete(name);
    }

    /**
     * Blocks {@code username}: its messages are dropped, its requests deleted, the 1:1s with it
     * left, and this account's access key replaced (on the server and in accepted conversations).
     */
    public synchronized void block(String username) {
        requests.block(username);
    }

    /** Lifts a block; the user is not accepted again until a conversation with them is started or accepted. */
    public synchronized void unblock(String username) {
        requests.unblock(username);
    }

    // ------------------------------------------------------------------ creating and changing

    /**
     * The 1:1 conversation with {@code username}, created (with all devices of both accounts) when
     * missing; starting it accepts {@code username}, and their request for it.
     */
    public synchronized Summary direct(String username) {
        Summary direct = membership.direct(username);
        requests.acceptStarted(direct.groupId().toByteArray(), List.of(username));
        return direct;
    }

    /** A new group conversation named {@code name} with all devices of the given users (accepted so) and of this account. */
    public synchronized Summary createGroup(String name, List<String> usernames) {
        Summary group = membership.createGroup(name, usernames);
        requests.acceptStarted(group.groupId().toByteArray(), usernames);
        return group;
    }

    /** Adds every device of {@code username} (accepted so) to the group {@code name}; only its admins may. */
    public synchronized void addMember(String name, String username) {
        requests.requireAccepted(store.find(name, false).groupId().toByteArray());
        membership.addMember(name, username);
        requests.acceptStarted(store.find(name, false).groupId().toByteArray(), List.of(username));
    }

    /** Removes every device of {@code username} from the group {@code name}; only its admins may. */
    public synchronized void removeMember(String name, String username) {
        requests.requireAccepted(store.find(name, false).groupId().toByteArray());
        membership.removeMember(name, username);
    }

    /** Renames the group {@code name} to {@code newName} for everyone in it; only its admins may. */
    public synchronized void rename(String name, String newName) {
        requests.requireAccepted(store.find(name, false).groupId().toByteArray());
        membership.rename(name, newName);
    }

    /** Makes the member {@code username} an admin of the group {@code name}; only its admins may. */
    public synchronized void promote(String name, String username) {
        requests.requireAccepted(store.find(name, false).groupId().toByteArray());
        membership.promote(name, username);
    }

    /**
     * Leaves the group: a Remove proposal for this device's leaf (a member cannot commit its own
     * removal, RFC 9420 section 12.2), which the other members commit; this device forgets the group.
     */
    public synchronized void leave(String name) {
        membership.leave(name);
    }

    /** A fresh leaf key for this device in the group (post-compromise security), by commit. */
    public synchronized void update(byte[] groupId) {
        requests.requireAccepted(groupId);
        commits.commit(groupId, Group::update, List.of(), true);
    }

    /**
     * Brings this account's devices in every conversation in line with the server's device list:
     * devices linked since are added when this account's key certifies them (a listed device
     * without a certificate is reported, never added), unlinked ones removed.
     *
     * @return false when a linked device could not be added somewhere yet because the server had no
     *         key package of it (a device that was just linked publishes its packages moments later)
     */
    public synchronized boolean syncOwnDevices(List<Bytes> currentDevices) {
        return ownDevices.sync(currentDevices);
    }

    // ------------------------------------------------------------------ the group's keys

    public synchronized long epoch(byte[] groupId) {
        return store.group(groupId).epoch();
    }

    /**
     * An MLS-Exporter secret of the group's current epoch with what is needed to use it per member
     * (RFC 9605 Section 5.2): the epoch, this device's leaf, every member's leaf, the tree's width.
     */
    public record EpochSecret(long epoch, int ownLeaf, List<Integer> memberLeaves, int leafCount, Secret secret) {
        public EpochSecret {
            memberLeaves = List.copyOf(memberLeaves);
        }
    }

    /** Exports {@code length} bytes under {@code label} from the group's current epoch, with that epoch's membership. */
    public synchronized EpochSecret exportSecret(byte[] groupId, String label, int length) {
        Group group = store.activeGroup(groupId);
        List<Integer> leaves = group.members().stream().map(Member::leafIndex).toList();
        int width = leaves.stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        byte[] exported = group.exportSecret(label, new byte[0], length);
        EpochSecret secret = new EpochSecret(group.epoch(), group.ownLeafIndex(), leaves, width, Secret.copyOf(exported));
        Arrays.fill(exported, (byte) 0);
        return secret;
    }

    public synchronized byte[] epochAuthenticator(byte[] groupId) {
        return store.group(groupId).epochAuthenticator();
    }

    // ------------------------------------------------------------------ sending

    /** Sends a text to a conversation; returns the stored copy. */
    public synchronized StoredMessage sendText(byte[] groupId, String text) {
        requests.requireAccepted(groupId);
        return outbox.sendShown(groupId, Content.newBuilder().setText(Text.newBuilder().setText(text)), text, "");
    }

    /** Encrypts and uploads a file, then sends the pointer to it. */
    public synchronized StoredMessage sendFile(byte[] groupId, Path file) {
        requests.requireAccepted(groupId);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConversationException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String name = file.getFileName().toString();
        Attachments.Pointer pointer = attachments.upload(name, bytes);
        Attachment.Builder body = Attachment.newBuilder().setKey(ByteString.copyFrom(pointer.attachmentKey().copyBytes()))
                .setDigest(ByteString.copyFrom(pointer.blobDigest().asReadOnlyBuffer())).setSize(pointer.size()).setName(name)
                .setAttachmentId(pointer.attachmentId());
        return outbox.sendShown(groupId, Content.newBuilder().setAttachment(body), "[file] " + name, file.toAbsolutePath().toString());
    }

    /** Replies to message {@code quotedId} with a text. */
    public synchronized StoredMessage reply(byte[] groupId, byte[] quotedId, String text) {
        requests.requireAccepted(groupId);
        return outbox.sendShown(groupId, Content.newBuilder().setReply(Reply.newBuilder()
                .setQuotedId(ByteString.copyFrom(quotedId)).setText(text)), "(reply) " + text, "");
    }

    /** Replaces the text of one of this account's messages, for everyone. */
    public synchronized void edit(byte[] groupId, byte[] targetId, String text) {
        requests.requireAccepted(groupId);
        outbox.send(groupId, Content.newBuilder().setEdit(Edit.newBuilder().setTargetId(ByteString.copyFrom(targetId)).setText(text)));
        store.editBy(identity.username(), targetId, text, false);
    }

    /** Deletes one of this account's messages, for everyone. */
    public synchronized void delete(byte[] groupId, byte[] targetId) {
        requests.requireAccepted(groupId);
        outbox.send(groupId, Content.newBuilder().setDelete(Delete.newBuilder().setTargetId(ByteString.copyFrom(targetId))));
        store.editBy(identity.username(), targetId, "", true);
    }

    /** Reacts to a message with an emoji (empty removes the reaction). */
    public synchronized void react(byte[] groupId, byte[] targetId, String emoji) {
        requests.requireAccepted(groupId);
        outbox.send(groupId, Content.newBuilder().setReaction(Reaction.newBuilder().setTargetId(ByteString.copyFrom(targetId))
                .setEmoji(emoji)));
    }

    /** Sets the conversation's disappearing-message timer for everyone in it. */
    public synchronized void setTimer(byte[] groupId, int seconds) {
        requests.requireAccepted(groupId);
        outbox.send(groupId, Content.newBuilder().setDisappearingTimer(DisappearingTimer.newBuilder().setSeconds(seconds)));
        store.saveRecord(store.record(groupId).toBuilder().setTimerSeconds(seconds).build());
    }

    /** Sends a call signal to the conversation, as an application message like a chat message. */
    public synchronized void sendCallSignal(byte[] groupId, CallSignal signal) {
        requests.requireAccepted(groupId);
        outbox.send(groupId, Content.newBuilder().setCallSignal(signal));
    }

    // ------------------------------------------------------------------ receiving

    /** Counts MailboxDrained pushes processed, so that callers can wait for the backlog. */
    public synchronized long drainedCount() {
        return inbox.drainedCount();
    }

    /** Waits until at least {@code count} MailboxDrained pushes were processed; false on timeout. */
    public synchronized boolean awaitDrained(long count, Duration wait) throws InterruptedException {
        return inbox.awaitDrained(count, wait);
    }

    /** Handles one server push: Deliver is processed, persisted and then acknowledged. */
    public synchronized void handlePush(ServerFrame push) {
        inbox.handlePush(push);
    }
}
