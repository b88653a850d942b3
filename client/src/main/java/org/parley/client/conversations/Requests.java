package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import org.parley.client.account.AccessKey;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.content.v1.Receipt;
import org.parley.client.keys.MemberCredential;
import org.parley.client.local.v1.ConversationRecord;
import org.parley.client.local.v1.StoredMessage;
import org.parley.client.net.ServerException;
import org.parley.client.net.Session;
import org.parley.mls.codec.Bytes;
import org.parley.mls.group.Group;
import org.parley.mls.group.Member;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.SetAccessKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Message requests and blocking. A conversation that an account this account has not accepted
 * added it to is a request: its messages are stored but not shown, and nothing about this account
 * (receipts, profile key, access key) goes to it, so a stranger learns nothing, not even that the
 * device is in use, until the person accepts. Accepting makes it ordinary and sends what was held
 * back; deleting leaves it; blocking an account drops its messages everywhere, deletes its requests,
 * leaves the 1:1s with it and rotates this account's access key, which only accepted conversations
 * receive again.
 */
final class Requests {
    private static final Logger log = LoggerFactory.getLogger(Requests.class);
    private static final int ALL = Integer.MAX_VALUE;

    private final ConversationStore store;
    private final Consent consent;
    private final DeviceIdentity identity;
    private final Session session;
    private final Membership membership;
    private final Outbox outbox;
    private final SecureRandom random;

    Requests(ConversationStore store, Consent consent, DeviceIdentity identity, Session session, Membership membership,
             Outbox outbox, SecureRandom random) {
        this.store = store;
        this.consent = consent;
        this.identity = identity;
        this.session = session;
        this.membership = membership;
        this.outbox = outbox;
        this.random = random;
    }

    /**
     * Marks a conversation joined by a Welcome as a request unless the member who added this device
     * (the signer of the Welcome's GroupInfo, RFC 9420 section 12.4.3.1) is accepted.
     *
     * @return false when that member is blocked: the Welcome is ignored
     */
    boolean markJoined(Group group, ConversationRecord.Builder record) {
        Member inviter = group.inviter();
        if (inviter == null) {
            record.setRequest(true);
            return true;
        }
        MemberCredential from = MemberCredential.from(inviter.credential());
        if (consent.blocked(from.account())) {
            return false;
        }
        record.setInviter(from.username()).setInviterAccount(ByteString.copyFrom(from.account().asReadOnlyBuffer()))
                .setRequest(!consent.accepted(from.account()));
        return true;
    }

    /** Whether messages of {@code account} are dropped. */
    boolean blocked(Bytes account) {
        return consent.blocked(account);
    }

    private List<ConversationRecord> requestRecords() {
        List<ConversationRecord> out = new ArrayList<>();
        for (Conversations.Summary summary : store.list()) {
            ConversationRecord record = store.record(summary.groupId().toByteArray());
            if (record.getRequest()) {
                out.add(record);
            }
        }
        return out;
    }

    List<Conversations.Request> list() {
        return requestRecords().stream().map(this::describe).toList();
    }

    private Conversations.Request describe(ConversationRecord record) {
        byte[] groupId = record.getGroupId().toByteArray();
        return new Conversations.Request(Bytes.copyOf(groupId), record.getName(), record.getDirect(), record.getInviter(),
                store.history(groupId, ALL).size());
    }

    /** Requests no front end has shown yet; each is returned once. */
    List<Conversations.Request> takeNew() {
        List<Conversations.Request> fresh = new ArrayList<>();
        for (ConversationRecord record : requestRecords()) {
            if (!record.getRequestAnnounced()) {
                store.saveRecord(record.toBuilder().setRequestAnnounced(true).build());
                fresh.add(describe(record));
            }
        }
        return fresh;
    }

    /** Refuses to send or commit into a request: the person has not decided yet. */
    void requireAccepted(byte[] groupId) {
        ConversationRecord record = store.record(groupId);
        if (record != null && record.getRequest()) {
            throw new ConversationException("'" + record.getName() + "' is a message request"
                    + (record.getInviter().isEmpty() ? "" : " from " + record.getInviter()) + "; accept it first ('parley accept "
                    + (record.getInviter().isEmpty() ? record.getName() : record.getInviter()) + "') or delete it ('parley delete "
                    + record.getName() + "')");
        }
    }

    /**
     * Accepts the request called {@code name}, or every request from the user {@code name}: the
     * inviter is accepted, and each of its requests becomes an ordinary conversation. An inviter
     * counts as {@code name} only when the server confirmed that name for its account: a member
     * that calls itself so is accepted only by its conversation's name.
     */
    void accept(String name) {
        List<ConversationRecord> named = requestRecords().stream()
                .filter(r -> r.getName().equals(name) || r.getInviter().equals(name)
                        && name.equals(store.shownName(name, Bytes.copyOf(r.getInviterAccount().toByteArray())))).toList();
        if (named.isEmpty()) {
            boolean known = store.list().stream().anyMatch(s -> s.name().equals(name))
                    || consent.accountOf(name).map(consent::accepted).orElse(false);
            throw new ConversationException(known ? "'" + name + "' is accepted already; nothing to do"
                    : "no message request from or called '" + name + "'; 'parley requests' lists them");
        }
        for (ConversationRecord record : named) {
            if (!record.getInviterAccount().isEmpty()) {
                consent.accept(Bytes.copyOf(record.getInviterAccount().toByteArray()), record.getInviter());
            }
        }
        for (ConversationRecord record : requestRecords()) {
            boolean fromAccepted = !record.getInviterAccount().isEmpty()
                    && consent.accepted(Bytes.copyOf(record.getInviterAccount().toByteArray()));
            if (fromAccepted || named.stream().anyMatch(n -> n.getGroupId().equals(record.getGroupId()))) {
                makeOrdinary(record);
            }
        }
    }

    /**
     * This account started the conversation with, or added, the users {@code usernames}: they are
     * accepted, and when the conversation was a request (a 1:1 they started first), it is no longer one.
     */
    void acceptStarted(byte[] groupId, List<String> usernames) {
        for (Member member : store.activeGroup(groupId).members()) {
            MemberCredential credential = MemberCredential.from(member.credential());
            if (usernames.contains(credential.username())) {
                consent.accept(credential.account(), credential.username());
            }
        }
        ConversationRecord record = store.record(groupId);
        if (record.getRequest()) {
            makeOrdinary(record);
        }
    }

    /** Sends what a request held back: the access key, the delivered receipts; its messages are shown from now on. */
    private void makeOrdinary(ConversationRecord record) {
        byte[] groupId = record.getGroupId().toByteArray();
        store.saveRecord(store.record(groupId).toBuilder().setRequest(false).build());
        shareAccessKey(groupId);
        List<StoredMessage> incoming = store.history(groupId, ALL).stream().filter(m -> !m.getOutgoing()).toList();
        if (!incoming.isEmpty()) {
            outbox.sendReceipts(groupId, Receipt.Kind.DELIVERED, incoming.stream().map(StoredMessage::getId).toList());
        }
        incoming.forEach(message -> store.addUnshown(record.getName(), message));
    }

    /**
     * A courtesy, like receipts: a conversation where sending is refused now (a member's key changed
     * since it was verified, say) does not undo the decision; its members send unsealed meanwhile.
     */
    private void shareAccessKey(byte[] groupId) {
        try {
            outbox.shareAccessKey(groupId);
        } catch (RuntimeException e) {
            log.info("this account's access key was not shared in one conversation: {}", e.getMessage());
        }
    }

    /** Deletes the request called {@code name}: this device leaves the group and forgets its messages. */
    void delete(String name) {
        List<ConversationRecord> named = requestRecords().stream().filter(r -> r.getName().equals(name)).toList();
        if (named.isEmpty()) {
            boolean conversation = store.list().stream().anyMatch(s -> s.name().equals(name));
            throw new ConversationException(conversation
                    ? "'" + name + "' is not a message request; to leave a group, use 'parley group leave " + name + "'"
                    : "no message request called '" + name + "'; 'parley requests' lists them");
        }
        named.forEach(this::delete);
    }

    private void delete(ConversationRecord request) {
        byte[] groupId = request.getGroupId().toByteArray();
        membership.leave(groupId);
        store.profile().deleteMessages(groupId);
    }

    /**
     * Blocks {@code username}: its messages are dropped from now on, its requests deleted, the 1:1s
     * with it left, and this account's access key rotated (see {@link #rotateAccessKey}).
     */
    void block(String username) {
        if (username.equals(identity.username())) {
            throw new ConversationException("that is you; there is nothing to block");
        }
        Bytes account = consent.accountOf(username).or(() -> memberAccount(username)).orElseThrow(() -> new ConversationException(
                "no conversation with '" + username + "' on this device, so there is nothing to block; check the spelling"));
        consent.setBlocked(account, username, true);
        for (ConversationRecord request : requestRecords()) {
            if (Bytes.copyOf(request.getInviterAccount().toByteArray()).equals(account)) {
                delete(request);
            }
        }
        for (Conversations.Summary summary : store.list()) {
            if (summary.direct() && members(summary.groupId().toByteArray()).stream().anyMatch(m -> m.account().equals(account))) {
                membership.leave(summary.groupId().toByteArray());
            }
        }
        rotateAccessKey(username);
    }

    /** Lifts the block on {@code username}; the rotated access key stays, and the account is not accepted again by itself. */
    void unblock(String username) {
        Bytes account = consent.accountOf(username).filter(consent::blocked)
                .orElseThrow(() -> new ConversationException("'" + username + "' is not blocked"));
        consent.setBlocked(account, username, false);
    }

    private Optional<Bytes> memberAccount(String username) {
        return store.list().stream().flatMap(s -> members(s.groupId().toByteArray()).stream())
                .filter(m -> m.username().equals(username)).map(MemberCredential::account).findFirst();
    }

    private List<MemberCredential> members(byte[] groupId) {
        return store.activeGroup(groupId).members().stream().map(m -> MemberCredential.from(m.credential())).toList();
    }

    /**
     * A new profile key, so that an access key the blocked account learned no longer lets it send
     * sealed: the server takes the new access key first (SetAccessKey), then this device keeps the
     * key and shares it in every accepted conversation without a blocked member.
     */
    private void rotateAccessKey(String blockedUsername) {
        byte[] profileKey = new byte[32];
        random.nextBytes(profileKey);
        try {
            session.call(ClientFrame.newBuilder().setSetAccessKey(SetAccessKey.newBuilder()
                    .setAccessKey(ByteString.copyFrom(AccessKey.fromProfileKey(profileKey)))));
        } catch (ServerException e) {
            throw new ConversationException(blockedUsername + " is blocked here, but the server refused this account's new"
                    + " access key (" + e.getMessage() + "), so " + blockedUsername + " may still send to you sealed;"
                    + " run 'parley block " + blockedUsername + "' again later", e);
        }
        consent.replaceProfileKey(profileKey, consent.profileKeyGeneration() + 1);
        for (Conversations.Summary summary : store.list()) {
            byte[] groupId = summary.groupId().toByteArray();
            if (!store.record(groupId).getRequest() && members(groupId).stream().noneMatch(m -> consent.blocked(m.account()))) {
                shareAccessKey(groupId);
            }
        }
    }
}
