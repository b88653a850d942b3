package org.parley.client;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.account.AccessKey;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.conversations.ConversationException;
import org.parley.client.conversations.Conversations;
import org.parley.client.local.v1.ContactRecord;
import org.parley.client.local.v1.StoredMessage;
import org.parley.client.net.ServerException;
import org.parley.client.store.ProfileStore;
import org.parley.client.testkit.DeviceLinks;
import org.parley.client.testkit.LiveServer;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.SetAccessKey;
import org.parley.server.accounts.DeviceId;
import org.parley.server.mailbox.Envelope;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.client.testkit.Eventually.eventually;

/** Message requests and blocking between real clients through a real server: a stranger learns nothing until accepted. */
class ConsentTest extends LiveServerTestBase {
    /** Long enough for a receipt or key share that should not exist to have arrived if it did. */
    private static final long QUIET_MILLIS = 700;


    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
    }

    private ParleyClient user(String username) {
        return listened(username, profiles.signedIn(username, server.address(), 10));
    }

    private static boolean hasAccessKeyOf(ParleyClient holder, String username) {
        ContactRecord contact = holder.contacts().get(username);
        return contact != null && !contact.getAccessKey().isEmpty();
    }

    private static int requestMessages(ParleyClient client, String conversation) {
        return client.conversations().requests().stream().filter(r -> r.conversation().equals(conversation))
                .mapToInt(Conversations.Request::messages).sum();
    }

    @Test
    void aStrangersConversationsAreRequestsThatSendNothingBackUntilAccepted() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient zed = user("zed");
        byte[] zedDirect = zed.conversations().direct("alice").groupId().toByteArray();
        StoredMessage hello = zed.conversations().sendText(zedDirect, "hello alice");
        byte[] party = zed.conversations().createGroup("party", List.of("alice")).groupId().toByteArray();
        StoredMessage invite = zed.conversations().sendText(party, "come to the party");

        eventually("alice holds both requests with their messages",
                () -> requestMessages(alice, "zed (unconfirmed)") == 1 && requestMessages(alice, "party") == 1);
        assertThat(alice.conversations().requests()).extracting(Conversations.Request::inviter).containsOnly("zed");
        assertThat(events.get("alice")).filteredOn(e -> e instanceof ConversationEvent.RequestReceived).hasSize(2);
        assertThat(texts("alice")).as("a request's messages are not shown as messages").isEmpty();
        assertThat(alice.conversations().takeUnshown()).isEmpty();
        assertThat(alice.conversations().takeNewRequests()).extracting(Conversations.Request::conversation)
                .as("a stranger's 1:1 carries the name it gives itself, shown as such").containsExactlyInAnyOrder("zed (unconfirmed)", "party");
        assertThat(alice.conversations().takeNewRequests()).as("each request is announced once").isEmpty();
        byte[] aliceParty = alice.conversations().find("party", false).groupId().toByteArray();
        assertThatThrownBy(() -> alice.conversations().sendText(aliceParty, "hi"))
                .isInstanceOf(ConversationException.class).hasMessageContaining("parley accept zed");
        assertThatThrownBy(() -> alice.conversations().update(aliceParty)).isInstanceOf(ConversationException.class);

        Thread.sleep(QUIET_MILLIS);
        assertThat(zed.conversations().history(zedDirect, 10).get(0).getDeliveredToList()).as("no delivered receipt").isEmpty();
        assertThat(zed.conversations().history(party, 10).get(0).getDeliveredToList()).isEmpty();
        assertThat(events.get("zed")).filteredOn(e -> e instanceof ConversationEvent.Receipted).isEmpty();
        assertThat(hasAccessKeyOf(zed, "alice")).as("no access key or profile key for a stranger").isFalse();

        alice.conversations().accept("zed");
        assertThat(alice.conversations().requests()).as("accepting zed accepts both of his requests").isEmpty();
        eventually("the delivered receipts reach zed", () -> zed.conversations().history(zedDirect, 10).get(0)
                .getDeliveredToList().contains("alice") && zed.conversations().history(party, 10).get(0).getDeliveredToList().contains("alice"));
        eventually("alice's access key reaches zed", () -> hasAccessKeyOf(zed, "alice"));
        assertThat(alice.conversations().takeUnshown()).extracting(shown -> shown.message().getText())
                .containsExactlyInAnyOrder(hello.getText(), invite.getText());
        eventually("the read receipt reaches zed", () -> zed.conversations().history(party, 10).get(0).getReadByList().contains("alice"));
        alice.conversations().sendText(aliceParty, "on my way");
        eventually("zed reads alice", () -> texts("zed").contains("on my way"));

        assertThatThrownBy(() -> alice.conversations().accept("zed")).isInstanceOf(ConversationException.class)
                .hasMessageContaining("accepted already");
        assertThatThrownBy(() -> alice.conversations().accept("nobody")).isInstanceOf(ConversationException.class)
                .hasMessageContaining("no message request");
    }

    @Test
    void aGroupFromAnAcceptedContactIsNoRequestAndStartingA1to1AcceptsItsRequest() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        alice.conversations().direct("bob");
        eventually("bob holds alice's request", () -> bob.conversations().requests().size() == 1);
        Conversations.Summary bobSide = bob.conversations().direct("alice");
        assertThat(bob.conversations().requests()).as("writing to alice accepts her 1:1").isEmpty();
        bob.conversations().sendText(bobSide.groupId().toByteArray(), "hi alice");
        eventually("alice reads bob", () -> texts("alice").contains("hi alice"));

        byte[] team = bob.conversations().createGroup("team", List.of("alice")).groupId().toByteArray();
        bob.conversations().sendText(team, "team news");
        eventually("alice reads the team's message", () -> texts("alice").contains("team news"));
        assertThat(alice.conversations().requests()).isEmpty();
        eventually("bob has alice's access key", () -> hasAccessKeyOf(bob, "alice"));
    }

    @Test
    void deletingARequestLeavesTheGroupAndForgetsItsMessages() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient zed = user("zed");
        user("bob");
        byte[] party = zed.conversations().createGroup("party", List.of("alice")).groupId().toByteArray();
        zed.conversations().sendText(party, "buy now");
        eventually("alice holds the request", () -> requestMessages(alice, "party") == 1);
        zed.conversations().addMember("party", "bob");
        eventually("alice's party has bob", () -> alice.conversations().find("party", false).members().contains("bob"));
        assertThat(events.get("alice")).as("a request's changes are not shown either")
                .noneMatch(e -> e instanceof ConversationEvent.MembersAdded);

        alice.conversations().delete("party");
        assertThat(alice.conversations().requests()).isEmpty();
        assertThat(alice.conversations().list()).isEmpty();
        assertThat(alice.conversations().history(party, 10)).isEmpty();
        eventually("zed's group commits alice's leaving", () -> zed.conversations().find("party", false).members().equals(List.of("bob", "zed")));
        assertThatThrownBy(() -> alice.conversations().delete("party")).isInstanceOf(ConversationException.class)
                .hasMessageContaining("no message request called 'party'");
    }

    @Test
    void blockingDropsMessagesLeavesThe1to1AndRotatesTheAccessKey() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        ParleyClient zed = user("zed");
        alice.conversations().direct("bob");
        alice.conversations().direct("zed");
        eventually("bob and zed hold alice's requests", () -> bob.conversations().requests().size() == 1
                && zed.conversations().requests().size() == 1);
        bob.conversations().accept("alice");
        zed.conversations().accept("alice");
        eventually("bob and zed have alice's access key", () -> hasAccessKeyOf(bob, "alice") && hasAccessKeyOf(zed, "alice"));
        byte[] oldAccessKey = zed.contacts().get("alice").getAccessKey().toByteArray();
        byte[] club = bob.conversations().createGroup("club", List.of("alice", "zed")).groupId().toByteArray();
        eventually("alice and zed are in bob's club", () -> alice.conversations().list().stream().anyMatch(s -> s.name().equals("club"))
                && zed.conversations().list().stream().anyMatch(s -> s.name().equals("club")));
        zed.conversations().accept("bob");
        Assumptions.assumeTrue(serverTakesNewAccessKeys(alice), "the server of this build does not rotate access keys yet");

        alice.conversations().block("zed");
        assertThat(alice.conversations().list()).extracting(Conversations.Summary::name).as("the 1:1 with zed is left")
                .containsExactlyInAnyOrder("bob", "club");
        zed.conversations().sendText(club, "spam from zed");
        bob.conversations().sendText(club, "after the spam");
        eventually("alice reads bob after zed", () -> texts("alice").contains("after the spam"));
        assertThat(texts("alice")).doesNotContain("spam from zed");
        byte[] aliceClub = alice.conversations().find("club", false).groupId().toByteArray();
        assertThat(alice.conversations().history(aliceClub, 10)).extracting(StoredMessage::getText).doesNotContain("spam from zed");

        byte[] newAccessKey = AccessKey.fromProfileKey(alice.identity().profileKey());
        assertThat(newAccessKey).isNotEqualTo(oldAccessKey);
        ServerException refused = org.junit.jupiter.api.Assertions.assertThrows(ServerException.class,
                () -> sealedSend(zed, alice, oldAccessKey));
        assertThat(refused.code()).isEqualTo(ErrorCode.ACCESS_DENIED);
        eventually("bob got alice's new access key", () -> Arrays.equals(bob.contacts().get("alice").getAccessKey().toByteArray(), newAccessKey));
        assertThat(zed.contacts().get("alice").getAccessKey().toByteArray()).as("zed never gets the new key").isEqualTo(oldAccessKey);

        DeviceId aliceDevice = DeviceId.of(alice.identity().deviceId());
        alice.close();
        List<Envelope> before = server.store().mailbox().pending(aliceDevice, 0, 100);
        long after = before.isEmpty() ? 0 : before.get(before.size() - 1).id();
        bob.conversations().sendText(bob.conversations().find("alice", true).groupId().toByteArray(), "still sealed");
        List<Envelope> pending = server.store().mailbox().pending(aliceDevice, after, 100);
        assertThat(pending).as("bob's message waits, stored without a sender (the server keeps none)").hasSize(1);
    }

    @Test
    void unblockingLiftsTheBlockButNotTheRotationAndUnknownUsersCannotBeBlocked() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient zed = user("zed");
        zed.conversations().direct("alice");
        eventually("alice holds zed's request", () -> alice.conversations().requests().size() == 1);
        assertThatThrownBy(() -> alice.conversations().block("nobody")).isInstanceOf(ConversationException.class)
                .hasMessageContaining("nothing to block");
        assertThatThrownBy(() -> alice.conversations().unblock("zed")).isInstanceOf(ConversationException.class)
                .hasMessageContaining("not blocked");
        Assumptions.assumeTrue(serverTakesNewAccessKeys(alice), "the server of this build does not rotate access keys yet");
        byte[] profileKey = alice.identity().profileKey();

        alice.conversations().block("zed");
        assertThat(alice.conversations().requests()).as("zed's request is deleted").isEmpty();
        assertThat(alice.identity().profileKey()).isNotEqualTo(profileKey);
        zed.conversations().createGroup("again", List.of("alice"));
        Thread.sleep(QUIET_MILLIS);
        assertThat(alice.conversations().requests()).as("a blocked account's Welcome is ignored").isEmpty();

        alice.conversations().unblock("zed");
        zed.conversations().createGroup("once more", List.of("alice"));
        eventually("zed's requests come again", () -> alice.conversations().requests().stream()
                .anyMatch(r -> r.conversation().equals("once more")));
        assertThatThrownBy(() -> alice.conversations().unblock("zed")).isInstanceOf(ConversationException.class);
    }

    @Test
    void aNewDeviceOfThisAccountJoinsARequestOnlyOnceItIsAccepted() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient zed = user("zed");
        byte[] party = zed.conversations().createGroup("party", List.of("alice")).groupId().toByteArray();
        eventually("alice holds zed's request", () -> alice.conversations().requests().size() == 1);
        ProfileStore laptopStore = profiles.create("laptop");
        DeviceLinks.link(laptopStore, alice);
        ParleyClient laptop = profiles.connect(laptopStore, temp.resolve("laptop-files"));
        laptop.publishKeyPackages(5, true);
        long epoch = zed.conversations().epoch(party);

        alice.syncOwnDevices();
        Thread.sleep(QUIET_MILLIS);
        assertThat(zed.conversations().epoch(party)).as("no commit in a request").isEqualTo(epoch);
        assertThat(laptop.conversations().list()).isEmpty();

        alice.conversations().accept("zed");
        alice.syncOwnDevices();
        eventually("the laptop joins the accepted party", () -> laptop.conversations().list().stream().anyMatch(s -> s.name().equals("party")));
        assertThat(laptop.conversations().requests()).as("brought in by its own account").isEmpty();
    }

    /** Whether the server takes SetAccessKey (re-registering the current key changes nothing). */
    private static boolean serverTakesNewAccessKeys(ParleyClient client) {
        try {
            client.session().call(ClientFrame.newBuilder().setSetAccessKey(SetAccessKey.newBuilder()
                    .setAccessKey(ByteString.copyFrom(AccessKey.fromProfileKey(client.identity().profileKey())))));
            return true;
        } catch (ServerException e) {
            if (e.code() == ErrorCode.UNSUPPORTED) {
                return false;
            }
            throw e;
        }
    }

    /** What a blocked sender would try: a sealed send to {@code to}'s device with the access key it learned before. */
    private static void sealedSend(ParleyClient from, ParleyClient to, byte[] accessKey) {
        from.session().call(ClientFrame.newBuilder().setSend(Send.newBuilder().setMessageId(ByteString.copyFrom(new byte[16]))
                .addRecipients(RecipientAccount.newBuilder().setAccountId(ByteString.copyFrom(to.identity().accountId()))
                        .addDeviceIds(ByteString.copyFrom(to.identity().deviceId())).setAccessKey(ByteString.copyFrom(accessKey)))
                .setPayload(ByteString.copyFrom(new byte[32])).setSealed(true)));
    }
}
