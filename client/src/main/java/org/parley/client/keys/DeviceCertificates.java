package org.parley.client.keys;

import org.parley.client.account.DeviceIdentity;
import org.parley.client.safety.Contacts;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.group.CommitView;
import org.parley.mls.group.GroupPolicy;
import org.parley.mls.group.GroupView;
import org.parley.mls.group.Member;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The credential check RFC 9420 section 5.3.1 leaves to the application, as a {@link GroupPolicy}:
 * a leaf is a device of an account only when the account key in its credential certifies the
 * leaf's signature key ({@link MemberCredential#certifies}). On joining, every member is checked;
 * on every Commit, every added and updated member. In both, all leaves of one account carry the
 * same account key and username, and this account's own leaves carry exactly this account's key
 * (never trusted on first use). Other accounts' keys are pinned per username in {@link Contacts}
 * (trust on first use); a change is not refused but collected for {@link #takeKeyChanges} so the
 * conversation code warns about it, and so is a member whose credential gives itself a username
 * that the server confirmed for another account ({@link #takeImpersonations}).
 */
public final class DeviceCertificates implements GroupPolicy {
    private final DeviceIdentity identity;
    private final Contacts contacts;
    private final Set<String> keyChanges = new LinkedHashSet<>();
    private final Set<String> impersonations = new LinkedHashSet<>();

    public DeviceCertificates(DeviceIdentity identity, Contacts contacts) {
        this.identity = identity;
        this.contacts = contacts;
    }

    @Override
    public void checkGroup(GroupView group) {
        check(group.members(), group.members());
    }

    @Override
    public void checkCommit(CommitView commit) {
        List<Member> entering = new ArrayList<>(commit.added());
        entering.addAll(commit.updated());
        check(entering, commit.membersAfter());
    }

    /** Usernames whose pinned account key changed since the last call, each once. */
    public synchronized List<String> takeKeyChanges() {
        List<String> changes = List.copyOf(keyChanges);
        keyChanges.clear();
        return changes;
    }

    /** Usernames that a member of another account gave itself since the last call, each once. */
    public synchronized List<String> takeImpersonations() {
        List<String> names = List.copyOf(impersonations);
        impersonations.clear();
        return names;
    }

    /** Checks before pinning anything, so that a refused change leaves no trace in the contacts. */
    private void check(List<Member> entering, List<Member> all) {
        List<MemberCredential> certified = new ArrayList<>();
        for (Member member : entering) {
            MemberCredential credential = MemberCredential.from(member.credential());
            if (!credential.certifies(member.signatureKey())) {
                throw new MlsProtocolException("a device of " + credential.username() + " that " + credential.username()
                        + "'s account key did not sign");
            }
            certified.add(credential);
        }
        Map<Bytes, MemberCredential> byAccount = new HashMap<>();
        Map<String, Bytes> accountOfUsername = new HashMap<>();
        Bytes ownAccount = Bytes.copyOf(identity.accountId());
        Bytes ownKey = Bytes.copyOf(identity.accountKey());
        for (Member member : all) {
            MemberCredential credential = MemberCredential.from(member.credential());
            boolean own = credential.account().equals(ownAccount) || credential.username().equals(identity.username());
            if (own && !(credential.account().equals(ownAccount) && credential.accountKey().equals(ownKey)
                    && credential.username().equals(identity.username()))) {
                throw new MlsProtocolException("a device that claims to be yours but your account key did not sign it");
            }
            MemberCredential first = byAccount.putIfAbsent(credential.account(), credential);
            Bytes account = accountOfUsername.putIfAbsent(credential.username(), credential.account());
            if (first != null && !(first.accountKey().equals(credential.accountKey()) && first.username().equals(credential.username()))
                    || account != null && !account.equals(credential.account())) {
                throw new MlsProtocolException("devices of " + credential.username() + " with different account keys in one group;"
                        + " one of them was not signed by " + credential.username() + "'s account");
            }
        }
        for (MemberCredential credential : certified) {
            observe(credential);
        }
    }

    /** Pins (or compares with the pinned) account key of another account's member; own devices are skipped. */
    private synchronized void observe(MemberCredential member) {
        if (member.account().constantTimeEquals(identity.accountId())) {
            return;
        }
        switch (contacts.observe(member.username(), member.account(), member.accountKey())) {
            case CHANGED -> keyChanges.add(member.username());
            case IMPERSONATED -> impersonations.add(member.username());
            default -> { }
        }
    }
}
