package org.parley.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.content.v1.GroupSettings;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.conversations.ConversationException;
import org.parley.client.conversations.Conversations;
import org.parley.client.keys.KeyPackages;
import org.parley.client.keys.MemberCredential;
import org.parley.client.local.v1.ConversationRecord;
import org.parley.client.testkit.LiveServer;
import org.parley.mls.codec.Bytes;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.RequiredCapabilities;
import org.parley.mls.group.CommitResult;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;
import org.parley.mls.group.Member;
import org.parley.protocol.v1.ClaimKeyPackages;
import org.parley.protocol.v1.ClaimedKeyPackages;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.DeviceKeyPackage;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * Attacks by users on 1:1s and group roles, through a real server: a hostile member builds its
 * groups and commits with the MLS API and sends them over the wire itself, past its own SDK's
 * checks (as a modified client, or a server that delivers anything, would). Every other member's
 * client refuses them, and the conversations keep working.
 */
class GroupRolesTest extends LiveServerTestBase {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Map<String, List<ConversationEvent>> events = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
    }

    private ParleyClient user(String username) {
        ParleyClient client = profiles.signedIn(username, server.address(), 10);
        List<ConversationEvent> mine = new CopyOnWriteArrayList<>();
        events.put(username, mine);
        client.conversations().addListener(mine::add);
        return client;
    }

    private List<String> texts(String username) {
        return events.get(username).stream().filter(e -> e instanceof ConversationEvent.Message)
                .map(e -> ((ConversationEvent.Message) e).message().getText()).toList();
    }

    private List<String> refusals(String username) {
        return events.get(username).stream().filter(e -> e instanceof ConversationEvent.InvitationRefused)
                .map(e -> ((ConversationEvent.InvitationRefused) e).reason()).toList();
    }

    // ------------------------------------------------------------------ what a hostile client does

    /** A device's key package as the server hands it out, with whom it belongs to. */
    private record Claimed(byte[] keyPackage, Bytes account, Bytes device) {
    }

    private static List<Claimed> claim(ParleyClient by, String username) {
        ClaimedKeyPackages answer = by.session().call(ClientFrame.newBuilder().setClaimKeyPackages(
                ClaimKeyPackages.newBuilder().setUsername(username))).getClaimedKeyPackages();
        List<Claimed> claimed = new ArrayList<>();
        for (DeviceKeyPackage device : answer.getPackagesList()) {
            claimed.add(new Claimed(device.getKeyPackage().toByteArray(), Bytes.copyOf(answer.getAccountId().toByteArray()),
                    Bytes.copyOf(device.getDeviceId().toByteArray())));
        }
        return claimed;
    }

    /** Sends an MLS message straight to these devices' mailboxes. */
    private static void deliver(ParleyClient by, List<Claimed> to, byte[] payload) {
        Send.Builder send = Send.newBuilder().setMessageId(ByteString.copyFrom(random(16))).setPayload(ByteString.copyFrom(payload));
        for (Claimed device : to) {
            send.addRecipients(RecipientAccount.newBuilder().setAccountId(ByteString.copyFrom(device.account().toByteArray()))
                    .addDeviceIds(ByteString.copyFrom(device.device().toByteArray())));
        }
        by.session().call(ClientFrame.newBuilder().setSend(send));
    }

    /** The other members' devices of a group, as recipients. */
    private static List<Claimed> othersIn(Group group) {
        return group.members().stream().filter(m -> m.leafIndex() != group.ownLeafIndex()).map(m -> MemberCredential.from(m.credential()))
                .map(c -> new Claimed(null, c.account(), c.device())).toList();
    }

    /** A copy of {@code client}'s state of a group that obeys no rules but the RFC's. */
    private static Group unruledCopy(ParleyClient client, byte[] groupId) throws InvalidProtocolBufferException {
        ConversationRecord record = ConversationRecord.parseFrom(client.store().get("conversation:" + HexFormat.of().formatHex(groupId)));
        return Group.fromBytes(GroupConfig.defaults(RANDOM), record.getGroupState().toByteArray());
    }

    private static List<Integer> leavesOf(Group group, String username) {
        return group.members().stream().filter(m -> MemberCredential.from(m.credential()).username().equals(username))
                .map(Member::leafIndex).toList();
    }

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    // ------------------------------------------------------------------ 1:1s

    @Test
    void aGroupClaimingToBeSomeoneElses1to1IsRefusedAndTheReal1to1ReachesNoThirdAccount() throws Exception {
        ParleyClient carol = user("carol");
        ParleyClient dave = user("dave");
        ParleyClient zed = user("zed");

        // zed makes {zed, carol, dave} with the lowest group id and settings that call it the 1:1 of carol and dave.
        List<Claimed> carolDevices = claim(zed, "carol");
        List<Claimed> daveDevices = claim(zed, "dave");
        GroupSettings claim = GroupSettings.newBuilder().setDirect(true)
                .addDirectAccounts(ByteString.copyFrom(carolDevices.get(0).account().toByteArray()))
                .addDirectAccounts(ByteString.copyFrom(daveDevices.get(0).account().toByteArray())).build();
        List<Extension> extensions = List.of(
                new RequiredCapabilities(List.of(KeyPackages.GROUP_SETTINGS_EXTENSION), List.of(), List.of()).toExtension(),
                new Extension(KeyPackages.GROUP_SETTINGS_EXTENSION, claim.toByteArray()));
        Group hostile = Group.create(GroupConfig.defaults(RANDOM), KeyPackages.SUITE, new byte[16], zed.keyPackages().credential().toCredential(),
                zed.keyPackages().signatureKeys(), KeyPackages.CAPABILITIES, extensions);
        List<Claimed> victims = new ArrayList<>(carolDevices);
        victims.addAll(daveDevices);
        CommitResult add = hostile.addMembers(victims.stream().map(Claimed::keyPackage).toList());
        hostile.mergePendingCommit(add.pending());
        deliver(zed, victims, add.welcome().orElseThrow().toByteArray());
        deliver(zed, victims, hostile.encrypt("a message in the false 1:1".getBytes()));

        String expected = "zed's group claims to be a 1:1 between carol and dave, but zed is in it too; it was refused";
        eventually("carol is told", () -> refusals("carol").contains(expected));
        eventually("dave is told", () -> refusals("dave").contains(expected));
        assertThat(carol.conversations().list()).as("no conversation appears").isEmpty();
        assertThat(dave.conversations().list()).isEmpty();

        Conversations.Summary direct = dave.conversations().direct("carol");
        assertThat(direct.groupId().toByteArray()).isNotEqualTo(new byte[16]);
        assertThat(direct.members()).containsExactly("carol", "dave");
        dave.conversations().sendText(direct.groupId().toByteArray(), "for carol only");
        eventually("carol reads dave", () -> texts("carol").contains("for carol only"));
        assertThat(carol.conversations().find("dave", true).groupId()).isEqualTo(direct.groupId());
        assertThat(texts("zed")).isEmpty();
        assertThat(zed.conversations().list()).isEmpty();
    }

    // ------------------------------------------------------------------ roles

    /** alice creates team {alice, bob, carol}, so alice is its only admin; every member has joined. */
    private byte[] team(ParleyClient alice, ParleyClient bob, ParleyClient carol) throws InterruptedException {
        byte[] groupId = alice.conversations().createGroup("team", List.of("bob", "carol")).groupId().toByteArray();
        eventually("bob and carol joined", () -> bob.conversations().list().size() == 1 && carol.conversations().list().size() == 1);
        assertThat(carol.conversations().find("team", false).admins()).containsExactly("alice");
        return groupId;
    }

    @Test
    void aNonAdminsCommitRemovingTheAdminIsRefusedByEveryMember() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        ParleyClient carol = user("carol");
        byte[] groupId = team(alice, bob, carol);
        long epoch = alice.conversations().epoch(groupId);

        assertThatThrownBy(() -> bob.conversations().removeMember("team", "alice")).isInstanceOf(ConversationException.class)
                .hasMessage("only an admin of 'team' can remove members; ask alice");

        Group bobs = unruledCopy(bob, groupId);
        CommitResult coup = bobs.removeMembers(leavesOf(bobs, "alice"));
        deliver(bob, othersIn(bobs), coup.commitMessage().toByteArray());
        // Mailboxes are ordered: once this arrives, the commit before it was processed.
        bob.conversations().sendText(groupId, "after the coup");
        eventually("alice and carol read on", () -> texts("alice").contains("after the coup") && texts("carol").contains("after the coup"));
        assertThat(alice.conversations().epoch(groupId)).isEqualTo(epoch);
        assertThat(carol.conversations().epoch(groupId)).isEqualTo(epoch);
        assertThat(carol.conversations().find("team", false).members()).containsExactly("alice", "bob", "carol");

        alice.conversations().sendText(groupId, "still here");
        eventually("bob and carol read alice", () -> texts("bob").contains("still here") && texts("carol").contains("still here"));
        alice.conversations().removeMember("team", "bob");
        eventually("the admin's own removal of bob holds at carol",
                () -> carol.conversations().find("team", false).members().equals(List.of("alice", "carol")));
    }

    @Test
    void aNonAdminAddingAStrangerIsRefusedByEveryMember() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        ParleyClient carol = user("carol");
        ParleyClient zed = user("zed");
        byte[] groupId = team(alice, bob, carol);
        long epoch = alice.conversations().epoch(groupId);

        assertThatThrownBy(() -> bob.conversations().addMember("team", "zed")).isInstanceOf(ConversationException.class)
                .hasMessage("only an admin of 'team' can add members; ask alice");

        Group bobs = unruledCopy(bob, groupId);
        List<Claimed> zedDevices = claim(bob, "zed");
        CommitResult add = bobs.addMembers(zedDevices.stream().map(Claimed::keyPackage).toList());
        deliver(bob, othersIn(bobs), add.commitMessage().toByteArray());
        bob.conversations().sendText(groupId, "did zed get in?");
        eventually("alice and carol read on", () -> texts("alice").contains("did zed get in?") && texts("carol").contains("did zed get in?"));
        assertThat(alice.conversations().epoch(groupId)).isEqualTo(epoch);
        assertThat(alice.conversations().find("team", false).members()).containsExactly("alice", "bob", "carol");
        alice.conversations().sendText(groupId, "no, he did not");
        eventually("carol reads alice", () -> texts("carol").contains("no, he did not"));
        assertThat(texts("zed")).isEmpty();
    }

    @Test
    void adminsRenameAndPromoteForEveryoneAndNonAdminsCannot() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        ParleyClient carol = user("carol");
        user("dave");
        byte[] groupId = team(alice, bob, carol);

        assertThatThrownBy(() -> bob.conversations().rename("team", "crew")).isInstanceOf(ConversationException.class)
                .hasMessage("only an admin of 'team' can rename it; ask alice");
        assertThatThrownBy(() -> bob.conversations().promote("team", "bob")).isInstanceOf(ConversationException.class)
                .hasMessage("only an admin of 'team' can promote members; ask alice");
        Group carols = unruledCopy(carol, groupId);
        GroupSettings pwned = GroupSettings.newBuilder().setName("pwned")
                .addAdmins(ByteString.copyFrom(carol.identity().accountId())).build();
        CommitResult takeover = carols.updateGroupContextExtensions(List.of(carols.groupContextExtensions().get(0),
                new Extension(KeyPackages.GROUP_SETTINGS_EXTENSION, pwned.toByteArray())));
        deliver(carol, othersIn(carols), takeover.commitMessage().toByteArray());
        carol.conversations().sendText(groupId, "am I in charge?");
        eventually("alice and bob read carol", () -> texts("alice").contains("am I in charge?") && texts("bob").contains("am I in charge?"));
        assertThat(alice.conversations().find("team", false).admins()).containsExactly("alice");
        assertThat(bob.conversations().list()).extracting(Conversations.Summary::name).containsExactly("team");

        alice.conversations().promote("team", "bob");
        eventually("everyone sees bob as an admin", () -> bob.conversations().find("team", false).admins().equals(List.of("alice", "bob"))
                && carol.conversations().find("team", false).admins().equals(List.of("alice", "bob")));
        bob.conversations().rename("team", "crew");
        eventually("everyone calls it crew", () -> alice.conversations().list().get(0).name().equals("crew")
                && carol.conversations().list().get(0).name().equals("crew"));
        assertThat(events.get("carol")).contains(new ConversationEvent.SettingsChanged("crew", "bob", "team", List.of("alice", "bob")));
        bob.conversations().addMember("crew", "dave");
        eventually("dave joined crew", () -> carol.conversations().find("crew", false).members().contains("dave"));
        assertThatThrownBy(() -> carol.conversations().removeMember("crew", "dave")).isInstanceOf(ConversationException.class)
                .hasMessage("only an admin of 'crew' can remove members; ask alice or bob");
        carol.conversations().sendText(groupId, "welcome dave");
        eventually("dave reads carol", () -> texts("dave").contains("welcome dave"));
    }
}
