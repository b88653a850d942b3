package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.attachments.AttachmentException;
import org.parley.client.attachments.Attachments;
import org.parley.client.content.v1.AccessKeyShare;
import org.parley.client.content.v1.Attachment;
import org.parley.client.content.v1.Content;
import org.parley.client.content.v1.Receipt;
import org.parley.client.keys.DeviceCertificates;
import org.parley.client.keys.MemberCredential;
import org.parley.client.local.v1.StoredMessage;
import org.parley.client.safety.Contacts;
import org.parley.mls.codec.Bytes;
import org.parley.mls.crypto.Secret;
import org.parley.mls.group.Group;
import org.parley.mls.group.ProcessedMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a decrypted application message says: a text, reply or file is stored once (by message
 * id) and shown; edits, deletions, reactions, timers, access keys, receipts and call signals
 * change state or become events (a conversation's name is in its group settings, not in a
 * message). The content must name the device MLS authenticated as its sender; a sender whose
 * account key changed is flagged.
 *
 * <p>Events are not emitted here but queued in {@code after}, to run once the message is
 * persisted and acknowledged.
 */
final class ContentHandler {
    private static final Logger log = LoggerFactory.getLogger(ContentHandler.class);

    private final ConversationStore store;
    private final DeviceIdentity identity;
    private final Contacts contacts;
    private final DeviceCertificates certificates;
    private final Attachments attachments;
    private final Path downloads;
    private final Receipts receipts;
    private final Consent consent;
    private final Events events;

    ContentHandler(ConversationStore store, DeviceIdentity identity, Contacts contacts, DeviceCertificates certificates,
                   Attachments attachments, Path downloads, Receipts receipts, Consent consent, Events events) {
        this.store = store;
        this.identity = identity;
        this.contacts = contacts;
        this.certificates = certificates;
        this.attachments = attachments;
        this.downloads = downloads;
        this.receipts = receipts;
        this.consent = consent;
        this.events = events;
    }

    void receive(Group group, ProcessedMessage.ApplicationMessage application, List<Runnable> queued) {
        byte[] groupId = group.groupId();
        Content content;
        try {
            content = Content.parseFrom(application.data().asReadOnlyBuffer());
        } catch (InvalidProtocolBufferException e) {
            log.warn("dropped an undecodable message in a conversation");
            return;
        }
        MemberCredential sender = MemberCredential.from(application.sender().credential());
        if (!sender.device().equals(Bytes.copyOf(content.getSenderDevice().toByteArray())) || content.getId().size() != 16) {
            log.warn("dropped a message whose content does not match its MLS sender");
            return;
        }
        if (consent.blocked(sender.account())) {
            log.debug("dropped a message from a blocked account");
            return;
        }
        boolean request = store.record(groupId).getRequest();
        // A message request shows nothing until it is accepted: what it says is stored, its events
        // dropped; but a changed account key is a warning, shown even there.
        List<Runnable> after = request ? new java.util.ArrayList<>() : queued;
        boolean changed = observeSender(sender, queued, groupId);
        String conversation = store.record(groupId).getName();
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
                if (store.editBy(sender.username(), content.getEdit().getTargetId().toByteArray(), content.getEdit().getText(), false)) {
                    after.add(() -> events.emit(new ConversationEvent.MessageEdited(conversation, sender.username(),
                            content.getEdit().getText())));
                }
            }
            case DELETE -> {
                if (store.editBy(sender.username(), content.getDelete().getTargetId().toByteArray(), "", true)) {
                    after.add(() -> events.emit(new ConversationEvent.MessageDeleted(conversation, sender.username())));
                }
            }
            case REACTION -> after.add(() -> events.emit(new ConversationEvent.Reacted(conversation, sender.username(),
                    content.getReaction().getEmoji())));
            case DISAPPEARING_TIMER -> {
                int seconds = content.getDisappearingTimer().getSeconds();
                store.saveRecord(store.record(groupId).toBuilder().setTimerSeconds(seconds).build());
                after.add(() -> events.emit(new ConversationEvent.TimerChanged(conversation, sender.username(), seconds)));
            }
            case ACCESS_KEY_SHARE -> adoptAccessKey(sender, content.getAccessKeyShare());
            // Ignored since issue 12: any member could send one; names come from the group's settings.
            case CONVERSATION_INFO -> { }
            case CALL_SIGNAL -> after.add(() -> events.emit(new ConversationEvent.CallSignalled(conversation, Bytes.copyOf(groupId),
                    sender.username(), content.getCallSignal())));
            case RECEIPT -> {
                if (!fromThisAccount(sender)) {
                    Receipt receipt = content.getReceipt();
                    int marked = receipts.apply(groupId, sender.username(), receipt);
                    if (marked > 0) {
                        after.add(() -> events.emit(new ConversationEvent.Receipted(conversation, sender.username(),
                                receipt.getKind() == Receipt.Kind.READ, marked)));
                    }
                }
            }
            case BODY_NOT_SET -> { }
        }
        if (changed && text == null) {
            // A control message (an access key shared on joining, say) carried the new key: say so now,
            // since the key is known from here on and the next text would not be flagged.
            after.add(() -> events.emit(new ConversationEvent.KeysChanged(conversation, sender.username())));
        }
        if (text != null) {
            StoredMessage stored = StoredMessage.newBuilder().setId(content.getId()).setGroupId(ByteString.copyFrom(groupId))
                    .setSender(sender.username()).setSenderDevice(content.getSenderDevice()).setSentAt(content.getSentAt())
                    .setText(text).setAttachmentPath(attachmentPath)
                    .setOutgoing(sender.username().equals(identity.username())).setIdentityChanged(changed).build();
            boolean added = store.addMessage(groupId, stored);
            if (added && request && store.history(groupId, 2).size() == 1) {
                // Announced with its first message: by then the conversation has its name.
                String inviter = store.record(groupId).getInviter();
                queued.add(() -> events.emit(new ConversationEvent.RequestReceived(conversation, inviter)));
            } else if (added && !request) {
                if (!fromThisAccount(sender)) {
                    receipts.arrived(groupId, content.getId());
                }
                String name = store.record(groupId).getName();
                store.addUnshown(name, stored);
                after.add(() -> events.emit(new ConversationEvent.Message(name, stored, changed)));
            }
        }
    }

    /** A member's access key (for sealed sends to it); this account's own profile key when another device of it shares. */
    private void adoptAccessKey(MemberCredential sender, AccessKeyShare share) {
        if (!sender.account().equals(Bytes.copyOf(share.getAccountId().toByteArray()))) {
            log.warn("dropped an access key that {} sent for another account", sender.username());
        } else if (fromThisAccount(sender)) {
            consent.adoptOwnProfileKey(share);
        } else {
            contacts.rememberAccessKey(sender.username(), share.getAccessKey().toByteArray());
        }
    }

    /**
     * Pins or compares the sender's account key (the group's {@code DeviceCertificates} policy
     * already checked that it certifies the sender's leaf), and collects the changes that policy
     * found while processing commits, and the members it found using a name confirmed for another
     * account. @return whether the sender's account key changed
     */
    private boolean observeSender(MemberCredential sender, List<Runnable> after, byte[] groupId) {
        List<String> policyChanges = certificates.takeKeyChanges();
        // Named when emitted: this very message may be the one that names a conversation just joined.
        policyChanges.stream().filter(u -> !u.equals(sender.username())).forEach(u -> after.add(() -> events.emit(
                new ConversationEvent.KeysChanged(store.record(groupId).getName(), u))));
        certificates.takeImpersonations().forEach(u -> after.add(() -> events.emit(
                new ConversationEvent.NameImpersonated(store.record(groupId).getName(), u))));
        if (fromThisAccount(sender)) {
            return false;
        }
        return contacts.observe(sender.username(), sender.account(), sender.accountKey()) == Contacts.Observation.CHANGED
                || policyChanges.contains(sender.username());
    }

    /** Downloads, checks and decrypts a file into the downloads folder; @return where, or why not. */
    private String save(Attachment attachment) {
        byte[] plain;
        try {
            plain = attachments.download(new Attachments.Pointer(attachment.getAttachmentId(), Secret.copyOf(attachment.getKey().toByteArray()),
                    Bytes.copyOf(attachment.getDigest().toByteArray()), attachment.getSize(), attachment.getName()));
        } catch (AttachmentException e) {
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

    /** Whether {@code sender} is one of this account's own devices. */
    private boolean fromThisAccount(MemberCredential sender) {
        return sender.account().constantTimeEquals(identity.accountId());
    }
}
