package org.parley.client.conversations;

import org.parley.client.account.DeviceIdentity;
import org.parley.client.content.v1.Content;
import org.parley.client.content.v1.ConversationInfo;
import org.parley.client.keys.KeyPackages;
import org.parley.client.keys.MemberCredential;
import org.parley.mls.group.Group;

import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * Keeps this account's devices in every conversation in line with the server's device list: a
 * device linked since is added (its key package claimed), an unlinked one removed.
 */
final class OwnDevices {
    private final ConversationStore store;
    private final DeviceIdentity identity;
    private final Membership membership;
    private final CommitCoordinator commits;
    private final Outbox outbox;

    OwnDevices(ConversationStore store, DeviceIdentity identity, Membership membership, CommitCoordinator commits, Outbox outbox) {
        this.store = store;
        this.identity = identity;
        this.membership = membership;
        this.commits = commits;
        this.outbox = outbox;
    }

    /**
     * @return false when a linked device could not be added somewhere yet because the server had no
     *         key package of it (a device that was just linked publishes its packages moments later)
     */
    boolean sync(List<byte[]> currentDevices) {
        boolean complete = true;
        Predicate<MemberCredential> stale = m -> Arrays.equals(m.accountId(), identity.accountId())
                && currentDevices.stream().noneMatch(d -> Arrays.equals(d, m.deviceId()));
        for (Conversations.Summary summary : store.list()) {
            byte[] groupId = summary.groupId().toByteArray();
            Group group = store.group(groupId);
            List<byte[]> inGroup = group.members().stream().map(m -> MemberCredential.from(m.credential()))
                    .filter(m -> Arrays.equals(m.accountId(), identity.accountId())).map(MemberCredential::deviceId).toList();
            List<byte[]> missing = currentDevices.stream().filter(d -> inGroup.stream().noneMatch(g -> Arrays.equals(g, d))).toList();
            if (!missing.isEmpty()) {
                List<KeyPackages.Claimed> joiners = membership.claimOwnOtherDevices().stream()
                        .filter(c -> inGroup.stream().noneMatch(g -> Arrays.equals(g, c.deviceId()))).toList();
                if (!joiners.isEmpty()) {
                    commits.commit(groupId, g -> g.addMembers(Membership.messages(joiners)), joiners, true);
                    outbox.send(groupId, Content.newBuilder().setConversationInfo(
                            ConversationInfo.newBuilder().setName(summary.name()).setDirect(summary.direct())));
                    outbox.shareAccessKey(groupId);
                }
                complete &= missing.stream().allMatch(d -> joiners.stream().anyMatch(j -> Arrays.equals(j.deviceId(), d)));
            }
            if (!Membership.leavesOf(group, stale).isEmpty()) {
                commits.commit(groupId, g -> g.removeMembers(Membership.leavesOf(g, stale)), List.of(), true);
            }
        }
        return complete;
    }
}
