package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.parley.client.keys.MemberCredential;
import org.parley.client.local.v1.ConversationIndex;
import org.parley.client.local.v1.ConversationRecord;
import org.parley.client.local.v1.StoredMessage;
import org.parley.client.local.v1.UnshownMessage;
import org.parley.client.local.v1.UnshownMessages;
import org.parley.client.safety.Contacts;
import org.parley.client.store.ProfileException;
import org.parley.client.store.ProfileStore;
import org.parley.mls.codec.Bytes;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The conversations this device keeps in its profile: the index, one record per conversation
 * (name, kind, timer, the MLS group state), the stored messages and the list of messages not
 * shown yet; and the groups in memory, loaded from their records on first use.
 *
 * <p>A record's name and kind follow the group's {@link ConversationSettings} whenever the group
 * is saved: a group's name, or for a 1:1 the other account's username as its devices carry it,
 * marked {@value #UNCONFIRMED} unless the server confirmed that username for that account (a
 * member writes its own username into its credential). A 1:1's name is shown, never trusted:
 * {@link #directWith} goes by the confirmed account.
 */
final class ConversationStore {
    private static final String INDEX = "conversations";
    private static final String UNSHOWN = "unshown";
    /** Unshown messages kept at most; the oldest are dropped from the list (not from history). */
    private static final int MAX_UNSHOWN = 1000;
    static final int MAX_NAME_CHARS = 64;
    static final String UNCONFIRMED = " (unconfirmed)";

    private final ProfileStore profile;
    private final GroupConfig groupConfig;
    private final Bytes ownAccount;
    private final Contacts contacts;
    private final Clock clock;
    private final Map<String, Group> groups = new LinkedHashMap<>();

    ConversationStore(ProfileStore profile, GroupConfig groupConfig, Bytes ownAccount, Contacts contacts, Clock clock) {
        this.profile = profile;
        this.groupConfig = groupConfig;
        this.ownAccount = ownAccount;
        this.contacts = contacts;
        this.clock = clock;
    }

    ProfileStore profile() {
        return profile;
    }

    GroupConfig groupConfig() {
        return groupConfig;
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    private static String recordName(byte[] groupId) {
        return "conversation:" + hex(groupId);
    }

    private List<byte[]> index() {
        byte[] bytes = profile.get(INDEX);
        try {
            return bytes == null ? List.of() : ConversationIndex.parseFrom(bytes).getGroupIdsList().stream()
                    .map(ByteString::toByteArray).toList();
        } catch (InvalidProtocolBufferException e) {
            throw new ProfileException("the conversation list in this profile is damaged", e);
        }
    }

    /** Every conversation this device was ever in (left ones too), by MLS group id. */
    List<byte[]> groupIds() {
        return index();
    }

    /** The record of conversation {@code groupId}, or null when this device never was in it. */
    ConversationRecord record(byte[] groupId) {
        byte[] bytes = profile.get(recordName(groupId));
        try {
            return bytes == null ? null : ConversationRecord.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new ProfileException("a conversation in this profile is damaged", e);
        }
    }

    void saveRecord(ConversationRecord record) {
        byte[] groupId = record.getGroupId().toByteArray();
        if (profile.get(recordName(groupId)) == null) {
            ConversationIndex.Builder index = ConversationIndex.newBuilder();
            index().forEach(id -> index.addGroupIds(ByteString.copyFrom(id)));
            index.addGroupIds(record.getGroupId());
            profile.put(INDEX, index.build().toByteArray());
        }
        profile.put(recordName(groupId), record.toByteArray());
    }

    /** Persists the group's state into its record (and whether this device is still in it), named after its settings. */
    void saveGroup(Group group) {
        ConversationRecord.Builder record = record(group.groupId()).toBuilder().setGroupState(ByteString.copyFrom(group.toBytes()))
                .setLeft(!group.isActive());
        saveRecord(group.isActive() ? named(record, group).build() : record.build());
    }

    /** {@code record} with the name and kind that the group's settings give it on this device. */
    ConversationRecord.Builder named(ConversationRecord.Builder record, Group group) {
        ConversationSettings settings = ConversationSettings.from(group.groupContextExtensions());
        if (!settings.direct()) {
            return record.setName(settings.name()).setDirect(false);
        }
        Bytes other = settings.otherDirectAccount(ownAccount);
        String otherName = group.members().stream().map(m -> MemberCredential.from(m.credential()))
                .filter(c -> c.account().equals(other)).map(MemberCredential::username).findFirst()
                .map(username -> shownName(username, other))
                .orElse(record.getName().isEmpty() ? "(nobody)" : record.getName());
        return record.setName(otherName).setDirect(true);
    }

    /** {@code username} as a member of {@code account} calls itself: marked {@value #UNCONFIRMED} unless the server confirmed it. */
    String shownName(String username, Bytes account) {
        return account.equals(contacts.confirmedAccount(username)) ? username : username + UNCONFIRMED;
    }

    /** The group of an active conversation, or null when this device is not (or no longer) in it. */
    Group group(byte[] groupId) {
        return groups.computeIfAbsent(hex(groupId), key -> {
            ConversationRecord record = record(groupId);
            return record == null || record.getLeft() ? null
                    : Group.fromBytes(groupConfig, record.getGroupState().toByteArray());
        });
    }

    /** As {@link #group}, for a change that needs the group: throws when this device left it. */
    Group activeGroup(byte[] groupId) {
        Group group = group(groupId);
        if (group == null) {
            throw new ConversationException("this device is no longer in that conversation");
        }
        return group;
    }

    /** Keeps a group just created or joined in memory. */
    void cache(Group group) {
        groups.put(hex(group.groupId()), group);
    }

    /** Drops a group this device is no longer in from memory. */
    void forget(byte[] groupId) {
        groups.remove(hex(groupId));
    }

    /** Drops every group from memory, so that the next use reloads the persisted state. */
    void forgetAll() {
        groups.clear();
    }

    static List<String> usernames(Group group) {
        return group.members().stream().map(m -> MemberCredential.from(m.credential()).username()).distinct().sorted().toList();
    }

    /** The usernames of the members whose account is an admin of the group (none for a 1:1). */
    static List<String> admins(Group group) {
        ConversationSettings settings = ConversationSettings.from(group.groupContextExtensions());
        return group.members().stream().map(m -> MemberCredential.from(m.credential())).filter(c -> settings.isAdmin(c.account()))
                .map(MemberCredential::username).distinct().sorted().toList();
    }

    List<Conversations.Summary> list() {
        List<Conversations.Summary> out = new ArrayList<>();
        for (byte[] id : index()) {
            ConversationRecord record = record(id);
            Group group = group(id);
            if (record != null && group != null) {
                // A 1:1's name as of now: the server may have confirmed its username since the record was saved.
                String name = record.getDirect() ? named(record.toBuilder(), group).getName() : record.getName();
                out.add(new Conversations.Summary(Bytes.copyOf(id), name, record.getDirect(), usernames(group), group.epoch(),
                        record.getTimerSeconds(), admins(group)));
            }
        }
        return out;
    }

    /** The active group conversation called {@code name}, or the 1:1 with the user {@code name}. */
    Conversations.Summary find(String name, boolean direct) {
        return (direct ? directWith(name) : list().stream().filter(s -> !s.direct() && s.name().equals(name)).findFirst())
                .orElseThrow(() -> new ConversationException(direct
                        ? "no conversation with " + name + " yet; 'parley send " + name + " TEXT' starts one"
                        : "no group called '" + name + "' here; see 'parley group list'"));
    }

    /**
     * The 1:1 with {@code username}: a conversation whose settings make it the 1:1 of exactly this
     * account and the account the server confirmed for {@code username} (none when no account is
     * confirmed: a credential's word is not enough), and whose every device belongs to one of the
     * two, the other's carrying {@code username}. The group rules check this on every epoch; it is
     * checked again here, because nothing typed to a person may reach a third.
     * When both people started their 1:1 at the same moment there are two; both sides then use
     * the one with the lower group id, so they converge on one conversation.
     */
    Optional<Conversations.Summary> directWith(String username) {
        Bytes confirmed = contacts.confirmedAccount(username);
        if (confirmed == null) {
            return Optional.empty();
        }
        return list().stream().filter(s -> s.direct() && onlyTheTwoOf(group(s.groupId().toByteArray()), username, confirmed))
                .min(Comparator.comparing(Conversations.Summary::groupId));
    }

    private boolean onlyTheTwoOf(Group group, String username, Bytes confirmed) {
        Bytes other = ConversationSettings.from(group.groupContextExtensions()).otherDirectAccount(ownAccount);
        if (other == null || !confirmed.equals(other)) {
            return false;
        }
        boolean otherIsIn = false;
        for (MemberCredential member : group.members().stream().map(m -> MemberCredential.from(m.credential())).toList()) {
            if (member.account().equals(other) && member.username().equals(username)) {
                otherIsIn = true;
            } else if (!member.account().equals(ownAccount)) {
                return false;
            }
        }
        return otherIsIn;
    }

    /** Messages of a conversation, oldest first, after deleting those whose timer ran out. */
    List<StoredMessage> history(byte[] groupId, int limit) {
        deleteExpired();
        List<StoredMessage> out = new ArrayList<>();
        for (byte[] body : profile.messages(groupId, limit)) {
            out.add(parse(body));
        }
        return out;
    }

    void deleteExpired() {
        profile.deleteExpired(clock.millis());
    }

    /** Stores a message once; @return false when a message with its id is stored already. */
    boolean addMessage(byte[] groupId, StoredMessage message) {
        return profile.addMessage(groupId, message.getId().toByteArray(), message.toByteArray(),
                expiry(groupId, message.getSentAt()));
    }

    private Long expiry(byte[] groupId, long sentAt) {
        int timer = record(groupId).getTimerSeconds();
        return timer == 0 ? null : sentAt + timer * 1000L;
    }

    /**
     * Edits and deletions apply only to a message of the same sender that this device has; the text
     * is replaced in place. @return whether such a message was changed
     */
    boolean editBy(String sender, byte[] targetId, String text, boolean deleted) {
        byte[] body = profile.message(targetId);
        if (body == null) {
            return false;
        }
        StoredMessage message = parse(body);
        if (!message.getSender().equals(sender) || message.getDeleted()) {
            return false;
        }
        return profile.replaceMessage(targetId, message.toBuilder().setText(deleted ? "(deleted)" : text)
                .setDeleted(deleted).setEdited(!deleted).build().toByteArray());
    }

    private static StoredMessage parse(byte[] body) {
        try {
            return StoredMessage.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw new ProfileException("a stored message is damaged", e);
        }
    }

    void addUnshown(String conversation, StoredMessage message) {
        byte[] bytes = profile.get(UNSHOWN);
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
        profile.put(UNSHOWN, list.build().toByteArray());
    }

    /** Messages that arrived since the last call, oldest first, as they are now; each is returned once. */
    List<Conversations.Shown> takeUnshown() {
        byte[] bytes = profile.get(UNSHOWN);
        if (bytes == null) {
            return List.of();
        }
        profile.delete(UNSHOWN);
        List<Conversations.Shown> shown = new ArrayList<>();
        try {
            for (UnshownMessage unshown : UnshownMessages.parseFrom(bytes).getMessagesList()) {
                // As it is now: edited or deleted since it arrived, or gone when its timer ran out.
                byte[] current = profile.message(unshown.getMessage().getId().toByteArray());
                if (current != null) {
                    StoredMessage message = StoredMessage.parseFrom(current);
                    ConversationRecord conversation = record(message.getGroupId().toByteArray());
                    shown.add(new Conversations.Shown(unshown.getConversation(), conversation != null && conversation.getDirect(),
                            message));
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new ProfileException("the list of unread messages in this profile is damaged", e);
        }
        return shown;
    }
}
