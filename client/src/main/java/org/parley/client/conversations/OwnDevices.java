package org.parley.client.conversations;

import org.parley.client.account.DeviceIdentity;
import org.parley.client.content.v1.Content;
import org.parley.client.content.v1.ConversationInfo;
import org.parley.client.keys.KeyPackages;
import org.parley.client.keys.MemberCredential;
import org.parley.mls.codec.Bytes;
import org.parley.mls.group.Group;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Keeps this account's devices in every conversation in line with the server's device list, which
 * is only a hint: a device linked since is added only when this account's key certifies it (its
 * key package's credential carries the certificate); a listed device without one is never added
 * and reported ({@link ConversationEvent.UncertifiedDevice}); an unlinked device is removed.
 */
final class OwnDevices {
    private final ConversationStore store;
    private final DeviceIdentity identity;
    private final Membership membership;
    private final CommitCoordinator commits;
    private final Outbox outbox;
    private final Events events;

    OwnDevices(ConversationStore store, DeviceIdentity identity, Membership membership, CommitCoordinator commits, Outbox outbox,
               Events events) {
        this.store = store;
        this.identity = identity;
        this.membership = membership;
        this.commits = commits;
        this.outbox = outbox;
        this.events = events;
    }

    /**
     * @return false when a linked device could not be added somewhere yet because the server had no
     *         key package of it (a device that was just linked publishes its packages moments later)
     */
    boolean sync(List<Bytes> currentDevices) {
        boolean complete = true;
        Set<Bytes> reported = new HashSet<>();
        Bytes ownAccount = Bytes.copyOf(identity.accountId());
        Predicate<MemberCredential> stale = m -> m.account().equals(ownAccount) && !currentDevices.contains(m.device());
        for (Conversations.Summary summary : store.list()) {
            byte[] groupId = summary.groupId().toByteArray();
            if (store.record(groupId).getRequest()) {
                // Nothing is committed in a message request; the devices join it once it is accepted.
                continue;
            }
            Group group = store.group(groupId);
            List<Bytes> inGroup = group.members().stream().map(m -> MemberCredential.from(m.credential()))
                    .filter(m -> m.account().equals(ownAccount)).map(MemberCredential::device).toList();
            List<Bytes> missing = currentDevices.stream().filter(d -> !inGroup.contains(d)).toList();
            if (!missing.isEmpty()) {
                // One claim per conversation: a one-time key package serves one Welcome only.
                KeyPackages.Claim claim = membership.claimOwnOtherDevices();
                List<KeyPackages.Claimed> joiners = claim.devices().stream().filter(c -> !inGroup.contains(c.member().device())).toList();
                for (Bytes refused : claim.refused()) {
                    if (missing.contains(refused) && reported.add(refused)) {
                        events.emit(new ConversationEvent.UncertifiedDevice(summary.name(), refused.toHex()));
                    }
                }
                if (!joiners.isEmpty()) {
                    commits.commit(groupId, g -> g.addMembers(Membership.messages(joiners)), joiners, true);
                    outbox.send(groupId, Content.newBuilder().setConversationInfo(
                            ConversationInfo.newBuilder().setName(summary.name()).setDirect(summary.direct())));
                    outbox.shareAccessKey(groupId);
                }
                complete &= missing.stream().allMatch(d -> claim.refused().contains(d)
                        || joiners.stream().anyMatch(j -> j.member().device().equals(d)));
            }
            if (!Membership.leavesOf(group, stale).isEmpty()) {
                commits.commit(groupId, g -> g.removeMembers(Membership.leavesOf(g, stale)), List.of(), true);
            }
        }
        return complete;
    }
}
