package org.parley.client.conversations;

import com.google.protobuf.ByteString;
import org.parley.client.account.DeviceIdentity;
import org.parley.client.keys.KeyPackages;
import org.parley.client.keys.MemberCredential;
import org.parley.client.local.v1.ConversationRecord;
import org.parley.client.net.ServerException;
import org.parley.client.net.Session;
import org.parley.client.safety.Contacts;
import org.parley.mls.codec.Bytes;
import org.parley.mls.group.Group;
import org.parley.mls.group.Member;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Who is in a conversation: creating 1:1s and groups with every device of their members,
 * adding and removing members, leaving, and a group's admins and name. Every device of a user is
 * a leaf; a joiner's key packages are claimed from the server, only devices its account key
 * certifies are added, and that account key is pinned (a change is announced). A conversation's
 * settings ({@link ConversationSettings}) go into its group context at creation; a change by
 * someone the {@link GroupRules} would refuse is refused here first, with a message that says
 * whom to ask.
 */
final class Membership {
    private final ConversationStore store;
    private final DeviceIdentity identity;
    private final Session session;
    private final KeyPackages keyPackages;
    private final Contacts contacts;
    private final CommitCoordinator commits;
    private final Outbox outbox;
    private final Events events;
    private final SecureRandom random;

    Membership(ConversationStore store, DeviceIdentity identity, Session session, KeyPackages keyPackages, Contacts contacts,
               CommitCoordinator commits, Outbox outbox, Events events, SecureRandom random) {
        this.store = store;
        this.identity = identity;
        this.session = session;
        this.keyPackages = keyPackages;
        this.contacts = contacts;
        this.commits = commits;
        this.outbox = outbox;
        this.events = events;
        this.random = random;
    }

    /**
     * The 1:1 conversation with {@code username}, created (with all devices of both accounts) when
     * missing. A username that the server has not confirmed to this device is claimed from it
     * first: the 1:1 is the one with the account the server gives that name, never one with a
     * member that merely calls itself so.
     */
    Conversations.Summary direct(String username) {
        if (username.equals(identity.username())) {
            throw new ConversationException("that is you; to talk to your other devices, create a group");
        }
        List<KeyPackages.Claimed> claimed = contacts.nameConfirmed(username) ? null : claim(username);
        return store.directWith(username).orElseGet(() -> create(username, true, claimed != null ? claimed : claim(username)));
    }

    /** The existing 1:1 with {@code username}, whose name is confirmed by the server first when it is not yet. */
    Conversations.Summary findDirect(String username) {
        confirmName(username);
        return store.find(username, true);
    }

    /**
     * Asks the server which account {@code name} is, when it may be a username this device has not
     * had confirmed; nothing when the server knows no such user (it may be a conversation's name).
     */
    void confirmName(String name) {
        if (name.equals(identity.username()) || contacts.nameConfirmed(name)) {
            return;
        }
        try {
            claim(name);
        } catch (ConversationException | ServerException e) {
            // Not a user, or one without a device to claim: the name stays unconfirmed.
        }
    }

    /** A new group conversation named {@code name} with all devices of the given users and of this account. */
    Conversations.Summary createGroup(String name, List<String> usernames) {
        if (name.isBlank() || name.length() > ConversationStore.MAX_NAME_CHARS) {
            throw new ConversationException("a group name has 1 to " + ConversationStore.MAX_NAME_CHARS + " characters");
        }
        if (store.list().stream().anyMatch(s -> !s.direct() && s.name().equals(name))) {
            throw new ConversationException("there is already a group called '" + name + "'; choose another name");
        }
        List<KeyPackages.Claimed> others = new ArrayList<>();
        for (String username : usernames) {
            if (!username.equals(identity.username())) {
                others.addAll(claim(username));
            }
        }
        return create(name, false, others);
    }

    /**
     * A new conversation with this account's other devices and the {@code others} claimed: for a
     * 1:1 ({@code direct}, the devices of one account) the settings name the two accounts, for a
     * group they carry {@code name} and this account as its first admin.
     */
    private Conversations.Summary create(String name, boolean direct, List<KeyPackages.Claimed> others) {
        List<KeyPackages.Claimed> joiners = new ArrayList<>(claimOwnOtherDevices().devices());
        joiners.addAll(others);
        Bytes self = Bytes.copyOf(identity.accountId());
        // For a 1:1 the other person's devices were claimed last (claim never returns none).
        ConversationSettings settings = direct
                ? ConversationSettings.directBetween(self, joiners.get(joiners.size() - 1).member().account())
                : ConversationSettings.group(name, self);
        byte[] groupId = new byte[16];
        random.nextBytes(groupId);
        Group group = Group.create(store.groupConfig(), KeyPackages.SUITE, groupId, keyPackages.credential().toCredential(),
                keyPackages.signatureKeys(), KeyPackages.CAPABILITIES, settings.initialExtensions());
        store.saveRecord(store.named(ConversationRecord.newBuilder().setGroupId(ByteString.copyFrom(groupId))
                .setName(name).setGroupState(ByteString.copyFrom(group.toBytes())), group).build());
        store.cache(group);
        if (!joiners.isEmpty()) {
            commits.commit(groupId, g -> g.addMembers(messages(joiners)), joiners, true);
        }
        outbox.shareAccessKey(groupId);
        return store.find(name, direct);
    }

    /** Adds every device of {@code username} to the group {@code name}. */
    void addMember(String name, String username) {
        byte[] groupId = store.find(name, false).groupId().toByteArray();
        requireAdmin(groupId, name, "add members");
        if (ConversationStore.usernames(store.group(groupId)).contains(username)) {
            throw new ConversationException(username + " is already in '" + name + "'");
        }
        List<KeyPackages.Claimed> joiners = claim(username);
        commits.commit(groupId, g -> g.addMembers(messages(joiners)), joiners, true);
        outbox.shareAccessKey(groupId);
    }

    /** Removes every device of {@code username} from the group {@code name}. */
    void removeMember(String name, String username) {
        byte[] groupId = store.find(name, false).groupId().toByteArray();
        if (username.equals(identity.username())) {
            throw new ConversationException("to leave a group yourself, use 'parley group leave " + name + "'");
        }
        requireAdmin(groupId, name, "remove members");
        if (!ConversationStore.usernames(store.group(groupId)).contains(username)) {
            throw new ConversationException(username + " is not in '" + name + "'");
        }
        commits.commit(groupId, g -> g.removeMembers(leavesOf(g, m -> m.username().equals(username))), List.of(), true);
    }

    /** Renames the group {@code name} for everyone in it (admins only), by a GroupContextExtensions commit. */
    void rename(String name, String newName) {
        byte[] groupId = store.find(name, false).groupId().toByteArray();
        requireAdmin(groupId, name, "rename it");
        if (newName.isBlank() || newName.length() > ConversationStore.MAX_NAME_CHARS) {
            throw new ConversationException("a group name has 1 to " + ConversationStore.MAX_NAME_CHARS + " characters");
        }
        if (store.list().stream().anyMatch(s -> !s.direct() && s.name().equals(newName))) {
            throw new ConversationException("there is already a group called '" + newName + "'; choose another name");
        }
        changeSettings(groupId, settings -> settings.withName(newName));
    }

    /** Makes {@code username} an admin of the group {@code name} (admins only). */
    void promote(String name, String username) {
        byte[] groupId = store.find(name, false).groupId().toByteArray();
        requireAdmin(groupId, name, "promote members");
        Group group = store.activeGroup(groupId);
        Bytes account = group.members().stream().map(m -> MemberCredential.from(m.credential()))
                .filter(c -> c.username().equals(username)).map(MemberCredential::account).findFirst()
                .orElseThrow(() -> new ConversationException(username + " is not in '" + name + "'; add them first"));
        if (ConversationStore.admins(group).contains(username)) {
            throw new ConversationException(username + " is already an admin of '" + name + "'");
        }
        changeSettings(groupId, settings -> settings.withAdmin(account));
    }

    /** Commits new settings, made from those of the epoch the commit is for (again after a lost race). */
    private void changeSettings(byte[] groupId, UnaryOperator<ConversationSettings> change) {
        commits.commit(groupId, g -> g.updateGroupContextExtensions(
                change.apply(ConversationSettings.from(g.groupContextExtensions())).replaceIn(g.groupContextExtensions())), List.of(), true);
    }

    /** Refuses, before anything is sent, a change that only an admin of the group may make. */
    private void requireAdmin(byte[] groupId, String name, String what) {
        Group group = store.activeGroup(groupId);
        if (!ConversationSettings.from(group.groupContextExtensions()).isAdmin(Bytes.copyOf(identity.accountId()))) {
            List<String> admins = ConversationStore.admins(group);
            throw new ConversationException("only an admin of '" + name + "' can " + what + "; "
                    + (admins.isEmpty() ? "no admin of it is left in it" : "ask " + String.join(" or ", admins)));
        }
    }

    /**
     * Leaves the group: a Remove proposal for this device's leaf (a member cannot commit its own
     * removal, RFC 9420 section 12.2), which the other members commit; this device forgets the group.
     */
    void leave(String name) {
        leave(store.find(name, false).groupId().toByteArray());
    }

    /** As {@link #leave(String)}, for any conversation (a 1:1 or a message request too). */
    void leave(byte[] groupId) {
        Group group = store.group(groupId);
        byte[] proposal = group.proposeRemove(group.ownLeafIndex());
        store.saveGroup(group);
        outbox.fanOut(group, outbox.wrapped(group, proposal), false);
        store.saveRecord(store.record(groupId).toBuilder().setLeft(true).build());
        store.forget(groupId);
    }

    /**
     * One key package of every device of {@code username} that its account key certifies; the
     * account key is pinned on the way (a change is announced).
     */
    private List<KeyPackages.Claimed> claim(String username) {
        try {
            KeyPackages.Claim claim = KeyPackages.claim(session, username, contacts);
            if (claim.devices().isEmpty()) {
                throw new ConversationException(claim.refused().isEmpty()
                        ? username + " has no device that can be added yet; ask them to run any parley command once"
                        : "none of the devices the server lists for " + username + " is signed by " + username
                        + "'s account key, so none was added; ask " + username + " to run any parley command, and compare"
                        + " safety numbers ('parley safety-number " + username + "')");
            }
            if (claim.observation() == Contacts.Observation.CHANGED) {
                events.emit(new ConversationEvent.KeysChanged(username, username));
            } else if (claim.observation() == Contacts.Observation.NAME_TAKEN_BACK) {
                reportImpostors(username, claim.devices().get(0).member().account());
            }
            if (contacts.needingAcceptance().contains(username)) {
                // Before any commit: a Welcome would give the new key's holder the group's secrets.
                throw new ConversationException(username + "'s account key changed since you verified it; nothing was changed."
                        + " Compare safety numbers ('parley safety-number " + username + "') and run 'parley verify " + username
                        + " NUMBER' or 'parley trust " + username + "'");
            }
            return claim.devices();
        } catch (ServerException e) {
            if (e.code() == org.parley.protocol.v1.ErrorCode.NOT_FOUND) {
                throw new ConversationException("there is no user '" + username + "' on this server; check the spelling", e);
            }
            throw e;
        }
    }

    /** Names each conversation in which a member of another account than {@code account} calls itself {@code username}. */
    private void reportImpostors(String username, Bytes account) {
        for (Conversations.Summary summary : store.list()) {
            boolean impostor = store.group(summary.groupId().toByteArray()).members().stream()
                    .map(m -> MemberCredential.from(m.credential()))
                    .anyMatch(c -> c.username().equals(username) && !c.account().equals(account));
            if (impostor) {
                events.emit(new ConversationEvent.NameImpersonated(summary.name(), username));
            }
        }
    }

    /** One key package of every other device of this account that this account's key certifies, and the devices refused. */
    KeyPackages.Claim claimOwnOtherDevices() {
        KeyPackages.Claim claim = KeyPackages.claimOwn(session, identity);
        return new KeyPackages.Claim(claim.devices().stream()
                .filter(c -> !c.member().device().constantTimeEquals(identity.deviceId())).toList(), claim.refused(), null);
    }

    static List<byte[]> messages(List<KeyPackages.Claimed> joiners) {
        return joiners.stream().map(joiner -> joiner.keyPackageMessage().toByteArray()).toList();
    }

    static List<Integer> leavesOf(Group group, Predicate<MemberCredential> which) {
        return group.members().stream().filter(m -> which.test(MemberCredential.from(m.credential())))
                .map(Member::leafIndex).toList();
    }
}
