package org.parley.client.hostile;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.LiveServerTestBase;
import org.parley.client.ParleyClient;
import org.parley.client.content.v1.GroupSettings;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.conversations.ConversationException;
import org.parley.client.conversations.Conversations;
import org.parley.client.keys.KeyPackages;
import org.parley.client.testkit.HostileMember;
import org.parley.client.testkit.LiveServer;
import org.parley.mls.extensions.Extension;
import org.parley.mls.group.CommitResult;
import org.parley.mls.group.Group;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * Attacks by users on 1:1s and group roles, through a real server: a {@link HostileMember} builds
 * its groups and commits with the MLS API and sends them over the wire itself, past its own SDK's
 * checks. Every other member's client refuses them, and the conversations keep working.
 */
class GroupRolesTest extends LiveServerTestBase {

    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
    }

    private ParleyClient user(String username) {
        return listened(username, profiles.signedIn(username, server.address(), 10));
    }

    private List<String> refusals(String username) {
        return events.get(username).stream().filter(e -> e instanceof ConversationEvent.InvitationRefused)
                .map(e -> ((ConversationEvent.InvitationRefused) e).reason()).toList();
    }

    /**
     * Whether {@code username}'s device refused a change to a group: the attack reached MLS and the
     * group rules (a commit wrapped wrongly would be dropped before, and prove nothing).
     */
    private boolean refusedAChange(String username) {
        return events.get(username).stream().anyMatch(e -> e instanceof ConversationEvent.Unreadable unreadable
                && unreadable.cause() == ConversationEvent.Unreadable.Cause.REFUSED);
    }

    // ------------------------------------------------------------------ 1:1s

    @Test
    void aGroupClaimingToBeSomeoneElses1to1IsRefusedAndTheReal1to1ReachesNoThirdAccount() throws Exception {
        ParleyClient carol = user("carol");
        ParleyClient dave = user("dave");
        ParleyClient zed = user("zed");

        // zed makes {zed, carol, dave} with the lowest group id and settings that call it the 1:1 of carol and dave.
        new HostileMember(zed).falseDirect("carol", "dave");

        String expected = "zed's group claims to be a 1:1 between carol and dave, but zed is in it too; it was refused";
        eventually("carol is told", () -> refusals("carol").contains(expected));
        eventually("dave is told", () -> refusals("dave").contains(expected));
        assertThat(carol.conversations().list()).as("no conversation appears").isEmpty();
        assertThat(dave.conversations().list()).isEmpty();

        Conversations.Summary direct = dave.conversations().direct("carol");
        assertThat(direct.groupId().toByteArray()).isNotEqualTo(new byte[16]);
        assertThat(direct.members()).containsExactly("carol", "dave");
        accept(carol, "dave");
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
        accept(bob, "alice");
        accept(carol, "alice");
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

        HostileMember hostileBob = new HostileMember(bob);
        Group bobs = hostileBob.unruledCopy(groupId);
        CommitResult coup = bobs.removeMembers(HostileMember.leavesOf(bobs, "alice"));
        hostileBob.deliverToOthers(bobs, coup.commitMessage().toByteArray());
        // Mailboxes are ordered: once this arrives, the commit before it was processed.
        bob.conversations().sendText(groupId, "after the coup");
        eventually("alice and carol read on", () -> texts("alice").contains("after the coup") && texts("carol").contains("after the coup"));
        assertThat(refusedAChange("alice") && refusedAChange("carol")).isTrue();
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

        HostileMember hostileBob = new HostileMember(bob);
        Group bobs = hostileBob.unruledCopy(groupId);
        CommitResult add = bobs.addMembers(hostileBob.claim("zed").stream().map(HostileMember.Device::keyPackage).toList());
        hostileBob.deliverToOthers(bobs, add.commitMessage().toByteArray());
        bob.conversations().sendText(groupId, "did zed get in?");
        eventually("alice and carol read on", () -> texts("alice").contains("did zed get in?") && texts("carol").contains("did zed get in?"));
        assertThat(refusedAChange("alice") && refusedAChange("carol")).isTrue();
        assertThat(alice.conversations().epoch(groupId)).isEqualTo(epoch);
        assertThat(alice.conversations().find("team", false).members()).containsExactly("alice", "bob", "carol");
        alice.conversations().sendText(groupId, "no, he did not");
        eventually("carol reads alice", () -> texts("carol").contains("no, he did not"));
        assertThat(texts("zed")).isEmpty();
    }

    @Test
    void aNonAdminsProposalsAreDroppedSoNoAdminsCommitCarriesThemOut() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        ParleyClient carol = user("carol");
        ParleyClient dave = user("dave");
        ParleyClient zed = user("zed");
        byte[] groupId = team(alice, bob, carol);

        // bob asks, by proposal, that carol go and zed come in, hoping the admin's next commit sweeps both up.
        // carol's device processes nothing meanwhile (else it would commit an empty change that voids the proposals).
        synchronized (carol.conversations()) {
            HostileMember hostileBob = new HostileMember(bob);
            Group bobs = hostileBob.unruledCopy(groupId);
            hostileBob.deliverToOthers(bobs, bobs.proposeRemove(HostileMember.leavesOf(bobs, "carol").get(0)));
            hostileBob.deliverToOthers(bobs, bobs.proposeAdd(hostileBob.claim("zed").get(0).keyPackage()));
            bob.conversations().sendText(groupId, "just asking");
            eventually("alice read on", () -> texts("alice").contains("just asking"));
            alice.conversations().addMember("team", "dave");
        }
        eventually("carol sees dave join", () -> carol.conversations().find("team", false).members().contains("dave"));
        assertThat(carol.conversations().find("team", false).members()).containsExactly("alice", "bob", "carol", "dave");
        assertThat(alice.conversations().find("team", false).members()).containsExactly("alice", "bob", "carol", "dave");
        assertThat(zed.conversations().list()).isEmpty();
        accept(dave, "alice");
        alice.conversations().sendText(groupId, "welcome dave");
        eventually("carol and dave read alice", () -> texts("carol").contains("welcome dave") && texts("dave").contains("welcome dave"));
    }

    @Test
    void adminsRenameAndPromoteForEveryoneAndNonAdminsCannot() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        ParleyClient carol = user("carol");
        ParleyClient dave = user("dave");
        byte[] groupId = team(alice, bob, carol);

        assertThatThrownBy(() -> bob.conversations().rename("team", "crew")).isInstanceOf(ConversationException.class)
                .hasMessage("only an admin of 'team' can rename it; ask alice");
        assertThatThrownBy(() -> bob.conversations().promote("team", "bob")).isInstanceOf(ConversationException.class)
                .hasMessage("only an admin of 'team' can promote members; ask alice");
        HostileMember hostileCarol = new HostileMember(carol);
        Group carols = hostileCarol.unruledCopy(groupId);
        GroupSettings pwned = GroupSettings.newBuilder().setName("pwned")
                .addAdmins(ByteString.copyFrom(carol.identity().accountId())).build();
        CommitResult takeover = carols.updateGroupContextExtensions(List.of(carols.groupContextExtensions().get(0),
                new Extension(KeyPackages.GROUP_SETTINGS_EXTENSION, pwned.toByteArray())));
        hostileCarol.deliverToOthers(carols, takeover.commitMessage().toByteArray());
        carol.conversations().sendText(groupId, "am I in charge?");
        eventually("alice and bob read carol", () -> texts("alice").contains("am I in charge?") && texts("bob").contains("am I in charge?"));
        assertThat(refusedAChange("alice") && refusedAChange("bob")).isTrue();
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
        accept(dave, "bob");
        carol.conversations().sendText(groupId, "welcome dave");
        eventually("dave reads carol", () -> texts("dave").contains("welcome dave"));
    }
}
