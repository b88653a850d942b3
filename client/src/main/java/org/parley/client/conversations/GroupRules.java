package org.parley.client.conversations;

import org.parley.client.keys.MemberCredential;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.group.CommitView;
import org.parley.mls.group.GroupPolicy;
import org.parley.mls.group.GroupView;
import org.parley.mls.group.Member;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parley's rules for who may be in a conversation and who may change it, which every member's
 * client enforces on every epoch (RFC 9420 sections 5.3.1 and 12.4.2 leave both to the
 * application). They read the conversation's {@link ConversationSettings} from the group context:
 *
 * <ul>
 *   <li>a 1:1 holds devices of its two accounts only, this device's account among them; its
 *       settings never change;</li>
 *   <li>in a group, only admins add members, remove others and change the settings; any member
 *       adds its own account's devices, removes them, and leaves; at least one admin stays listed.
 *       A removal takes its authority from whoever proposed it, since a commit may carry other
 *       members' proposals;</li>
 *   <li>a device never changes its account or username; an account's devices share one username
 *       and no two accounts share one; nobody joins from outside (external Commit).</li>
 * </ul>
 *
 * <p>A refusal throws {@link MlsProtocolException} with a message for people.
 */
public final class GroupRules implements GroupPolicy {
    private final Bytes ownAccount;

    /** The rules as the device of account {@code ownAccount} applies them. */
    public GroupRules(Bytes ownAccount) {
        this.ownAccount = ownAccount;
    }

    @Override
    public void checkGroup(GroupView group) {
        String inviter = group.signer() == null ? "A" : MemberCredential.from(group.signer().credential()).username() + "'s";
        ConversationSettings settings;
        try {
            settings = ConversationSettings.from(group.extensions());
        } catch (MlsProtocolException e) {
            throw new MlsProtocolException(inviter + " group was refused: " + e.getMessage());
        }
        checkOneNamePerAccount(group.members());
        if (!settings.direct()) {
            return;
        }
        String between = accountName(settings.directAccounts().get(0), group.members()) + " and "
                + accountName(settings.directAccounts().get(1), group.members());
        if (!settings.directAccounts().contains(ownAccount)) {
            throw new MlsProtocolException(inviter + " group claims to be a 1:1 between " + between
                    + ", which is not yours; it was refused");
        }
        String intruder = outsider(settings, group.members());
        if (intruder != null) {
            throw new MlsProtocolException(inviter + " group claims to be a 1:1 between " + between + ", but " + intruder
                    + " is in it too; it was refused");
        }
    }

    @Override
    public void checkCommit(CommitView commit) {
        if (commit.committer() == null) {
            throw new MlsProtocolException("a device tried to join a conversation from outside; in Parley only its members add devices");
        }
        MemberCredential committer = MemberCredential.from(commit.committer().credential());
        String who = committer.username();
        ConversationSettings before = ConversationSettings.from(commit.extensionsBefore());
        ConversationSettings after = ConversationSettings.from(commit.extensionsAfter());
        String where = before.direct() ? "your 1:1" : "'" + before.name() + "'";
        boolean admin = !before.direct() && before.isAdmin(committer.account());
        if (commit.changesExtensions()) {
            if (before.direct()) {
                throw new MlsProtocolException(who + " tried to change the settings of " + where + "; a 1:1's settings never change");
            }
            if (!admin) {
                throw new MlsProtocolException(who + " tried to change the settings of " + where + " without being an admin of it");
            }
            if (after.direct()) {
                throw new MlsProtocolException(who + " tried to turn " + where + " into a 1:1");
            }
        }
        for (Member added : commit.added()) {
            MemberCredential device = MemberCredential.from(added.credential());
            boolean allowed = before.direct() ? before.directAccounts().contains(device.account())
                    : admin || device.account().equals(committer.account());
            if (!allowed) {
                throw new MlsProtocolException(who + " tried to add " + device.username() + " to " + where
                        + (before.direct() ? ", where only its two people belong" : " without being an admin of it"));
            }
        }
        for (CommitView.Removal removal : commit.removed()) {
            checkRemoval(removal, before, where);
        }
        for (Member updated : commit.updated()) {
            checkKeepsIdentity(updated, commit.membersBefore());
        }
        checkOneNamePerAccount(commit.membersAfter());
        String intruder = after.direct() ? outsider(after, commit.membersAfter()) : null;
        if (intruder != null) {
            throw new MlsProtocolException("a change by " + who + " would put " + intruder + " into " + where);
        }
    }

    /**
     * A removal needs the authority of whoever asked for it, the proposer (the committer itself for
     * a Remove sent by value): an admin, the member leaving, or a device of the same account. So an
     * admin's commit cannot carry out a non-admin's Remove proposal that it swept up by reference.
     */
    private static void checkRemoval(CommitView.Removal removal, ConversationSettings before, String where) {
        MemberCredential device = MemberCredential.from(removal.member().credential());
        if (removal.proposer() == null) {
            throw new MlsProtocolException("a removal of " + device.username() + " from " + where + " came from outside it");
        }
        MemberCredential proposer = MemberCredential.from(removal.proposer().credential());
        boolean leaving = removal.proposer().leafIndex() == removal.member().leafIndex();
        boolean admin = !before.direct() && before.isAdmin(proposer.account());
        if (!leaving && !admin && !device.account().equals(proposer.account())) {
            throw new MlsProtocolException(proposer.username() + " tried to remove " + device.username() + " from " + where
                    + " without being an admin of it");
        }
    }

    /**
     * Every device of an account carries the same username, and no two accounts carry the same one:
     * a username in a credential is the member's own claim, so a device must not pass for a
     * namesake who is in the group too.
     */
    private static void checkOneNamePerAccount(List<Member> members) {
        Map<Bytes, String> nameOf = new HashMap<>();
        Map<String, Bytes> accountOf = new HashMap<>();
        for (Member member : members) {
            MemberCredential device = MemberCredential.from(member.credential());
            String name = nameOf.putIfAbsent(device.account(), device.username());
            Bytes account = accountOf.putIfAbsent(device.username(), device.account());
            if (name != null && !name.equals(device.username())) {
                throw new MlsProtocolException("a device of " + name + " calls itself " + device.username()
                        + "; one account uses two names");
            }
            if (account != null && !account.equals(device.account())) {
                throw new MlsProtocolException("two members call themselves " + device.username() + "; one is passing for the other");
            }
        }
    }

    /** A member's new leaf keeps the account and username of its old one. */
    private static void checkKeepsIdentity(Member updated, List<Member> membersBefore) {
        MemberCredential now = MemberCredential.from(updated.credential());
        for (Member old : membersBefore) {
            if (old.leafIndex() == updated.leafIndex()) {
                MemberCredential was = MemberCredential.from(old.credential());
                if (!was.account().equals(now.account())) {
                    throw new MlsProtocolException("a device of " + was.username() + " tried to move to another account");
                }
                if (!was.username().equals(now.username())) {
                    throw new MlsProtocolException("a device of " + was.username() + " tried to become a device of " + now.username());
                }
                return;
            }
        }
        throw new MlsProtocolException("a leaf that was empty claims to be updated by " + now.username());
    }

    /** The username of a member that belongs to neither account of a 1:1, or null when there is none. */
    private static String outsider(ConversationSettings direct, List<Member> members) {
        for (Member member : members) {
            MemberCredential device = MemberCredential.from(member.credential());
            if (!direct.directAccounts().contains(device.account())) {
                return device.username();
            }
        }
        return null;
    }

    /** The username that members of {@code account} carry, or a short account id when none is in the group. */
    private static String accountName(Bytes account, List<Member> members) {
        for (Member member : members) {
            MemberCredential device = MemberCredential.from(member.credential());
            if (device.account().equals(account)) {
                return device.username();
            }
        }
        return "account " + account.toHex().substring(0, 8);
    }
}
