package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import org.parley.mls.codec.Bytes;
import org.parley.client.account.AccessKey;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.content.v1.AccessKeyShare;
import org.parley.client.content.v1.Content;
import org.parley.client.content.v1.Receipt;
import org.parley.client.keys.MemberCredential;
import org.parley.client.local.v1.ContactRecord;
import org.parley.client.local.v1.ConversationRecord;
import org.parley.client.local.v1.StoredMessage;
import org.parley.client.safety.Contacts;
import org.parley.mls.group.Group;
import org.parley.mls.group.Member;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sending into a conversation: content is encrypted for the group, the group state persisted
 * before the ciphertext leaves (so a crash cannot reuse a key), and the message fanned out to
 * every other device in the ratchet tree. A send is sealed (it travels on the anonymous
 * connection, so the server does not learn the sender) when this device holds an access key for
 * every recipient account; a send that a limit or a lost connection holds back waits in the {@link OutgoingQueue}.
 */
final class Outbox {
    private static final Logger log = LoggerFactory.getLogger(Outbox.class);

    private final ConversationStore store;
    private final DeviceIdentity identity;
    private final OutgoingQueue outgoing;
    private final Contacts contacts;
    private final Consent consent;
    private final SecureRandom random;
    private final Clock clock;

    Outbox(ConversationStore store, DeviceIdentity identity, OutgoingQueue outgoing, Contacts contacts, Consent consent,
           SecureRandom random, Clock clock) {
        this.store = store;
        this.identity = identity;
        this.outgoing = outgoing;
        this.contacts = contacts;
        this.consent = consent;
        this.random = random;
        this.clock = clock;
    }

    /** Sends content that people see, and stores this device's copy of it. */
    StoredMessage sendShown(byte[] groupId, Content.Builder content, String shownText, String attachmentPath) {
        Content sent = send(groupId, content);
        StoredMessage stored = StoredMessage.newBuilder().setId(sent.getId()).setGroupId(ByteString.copyFrom(groupId))
                .setSender(identity.username()).setSenderDevice(sent.getSenderDevice()).setSentAt(sent.getSentAt())
                .setText(shownText).setAttachmentPath(attachmentPath).setOutgoing(true).build();
        store.addMessage(groupId, stored);
        return stored;
    }

    /** Sends content with a fresh id, this device as sender and the time now. @return what was sent */
    Content send(byte[] groupId, Content.Builder content) {
        Group group = store.activeGroup(groupId);
        Set<String> waiting = contacts.needingAcceptance();
        for (String member : waiting.isEmpty() ? List.<String>of() : ConversationStore.usernames(group)) {
            if (waiting.contains(member)) {
                throw new ConversationException(member + "'s account key changed since you verified it; compare safety numbers"
                        + " ('parley safety-number " + member + "') and run 'parley verify " + member + " NUMBER' or 'parley trust "
                        + member + "'");
            }
        }
        byte[] id = new byte[16];
        random.nextBytes(id);
        Content built = content.setId(ByteString.copyFrom(id)).setSentAt(clock.millis())
                .setSenderDevice(ByteString.copyFrom(identity.deviceId())).build();
        byte[] ciphertext = group.encrypt(built.toByteArray(), ForkTag.of(group));
        // The sending ratchet moved: persist before the ciphertext leaves, so a crash cannot reuse a key.
        store.saveGroup(group);
        fanOut(group, wrapped(group, ciphertext));
        return built;
    }

    /** An MLS message of {@code group} as it leaves this device ({@link PayloadWrap}): no group id, epoch or exact size shows. */
    byte[] wrapped(Group group, byte[] mlsMessage) {
        return PayloadWrap.wrapGroupMessage(group.groupId(), mlsMessage, random);
    }

    /**
     * Shares this account's profile key (and the access key derived from it) with the conversation;
     * never with a message request, whose members this account has not accepted.
     */
    void shareAccessKey(byte[] groupId) {
        byte[] profileKey = identity.profileKey();
        if (profileKey.length > 0 && !isRequest(groupId)) {
            send(groupId, Content.newBuilder().setAccessKeyShare(AccessKeyShare.newBuilder()
                    .setAccountId(ByteString.copyFrom(identity.accountId()))
                    .setAccessKey(ByteString.copyFrom(AccessKey.fromProfileKey(profileKey)))
                    .setProfileKey(ByteString.copyFrom(profileKey)).setGeneration(consent.profileKeyGeneration())));
        }
    }

    private boolean isRequest(byte[] groupId) {
        ConversationRecord record = store.record(groupId);
        return record != null && record.getRequest();
    }

    /**
     * Receipts are a courtesy: one that cannot be sent now (offline, conversation left) is not
     * retried. None go to a message request: they would tell a stranger that this device is in use.
     */
    void sendReceipts(byte[] groupId, Receipt.Kind kind, List<ByteString> messageIds) {
        if (isRequest(groupId)) {
            return;
        }
        for (Receipt receipt : Receipts.receipts(kind, messageIds)) {
            try {
                send(groupId, Content.newBuilder().setReceipt(receipt));
            } catch (RuntimeException e) {
                log.info("a {} receipt was not sent: {}", kind, e.getMessage());
                return;
            }
        }
    }

    /** Every device in the tree but this one, by account. */
    List<RecipientAccount> recipients(Group group) {
        List<MemberCredential> devices = new ArrayList<>();
        for (Member member : group.members()) {
            if (member.leafIndex() == group.ownLeafIndex()) {
                continue;
            }
            devices.add(MemberCredential.from(member.credential()));
        }
        return byAccount(devices);
    }

    /** Devices grouped by account, in the order first seen: the shape of the server's fan-out list. */
    static List<RecipientAccount> byAccount(List<MemberCredential> devices) {
        Map<Bytes, RecipientAccount.Builder> byAccount = new LinkedHashMap<>();
        for (MemberCredential device : devices) {
            byAccount.computeIfAbsent(device.account(), account -> RecipientAccount.newBuilder()
                            .setAccountId(ByteString.copyFrom(account.asReadOnlyBuffer())))
                    .addDeviceIds(ByteString.copyFrom(device.device().asReadOnlyBuffer()));
        }
        return byAccount.values().stream().map(RecipientAccount.Builder::build).toList();
    }

    /**
     * Sends an MLS message to every other device of the group: sealed, on the anonymous
     * connection, when every recipient account's access key is known; queued when a limit or a lost connection holds it back.
     */
    void fanOut(Group group, byte[] payload) {
        List<RecipientAccount> to = recipients(group);
        if (to.isEmpty()) {
            return;
        }
        List<RecipientAccount> sealed = withAccessKeys(to);
        byte[] messageId = new byte[16];
        random.nextBytes(messageId);
        outgoing.send(group.groupId(), Send.newBuilder().setMessageId(ByteString.copyFrom(messageId))
                .addAllRecipients(sealed == null ? to : sealed).setPayload(ByteString.copyFrom(payload)).setSealed(sealed != null).build());
    }

    /** The accounts each with the access key this device holds for it, or null when one of them is unknown. */
    List<RecipientAccount> withAccessKeys(List<RecipientAccount> accounts) {
        List<RecipientAccount> sealed = new ArrayList<>();
        for (RecipientAccount account : accounts) {
            byte[] key = accessKeyOf(account.getAccountId().toByteArray());
            if (key == null) {
                return null;
            }
            sealed.add(account.toBuilder().setAccessKey(ByteString.copyFrom(key)).build());
        }
        return sealed;
    }

    private byte[] accessKeyOf(byte[] accountId) {
        if (Arrays.equals(accountId, identity.accountId())) {
            return identity.profileKey().length == 0 ? null : AccessKey.fromProfileKey(identity.profileKey());
        }
        for (Conversations.Summary summary : store.list()) {
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
}
