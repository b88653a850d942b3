package org.parley.cli;

import org.junit.jupiter.api.Test;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.content.v1.CallSignal;
import org.parley.client.conversations.Conversations;
import org.parley.client.local.v1.StoredMessage;
import org.parley.mls.codec.Bytes;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The client reports facts; the CLI says them in English. */
class MessagesTest {
    @Test
    void changesToAConversationReadAsBefore() {
        assertThat(Messages.notice(new ConversationEvent.MembersAdded("team", List.of("bob", "carol"))))
                .isEqualTo("* team: added bob, carol");
        assertThat(Messages.notice(new ConversationEvent.MembersRemoved("team", List.of("carol"))))
                .isEqualTo("* team: removed carol");
        assertThat(Messages.notice(new ConversationEvent.RemovedSelf("team")))
                .isEqualTo("* team: you were removed from this conversation");
        assertThat(Messages.notice(new ConversationEvent.KeysChanged("bob", "bob")))
                .isEqualTo("* bob: WARNING: bob's account key CHANGED; compare safety numbers ('parley safety-number bob')");
        assertThat(Messages.notice(new ConversationEvent.NameImpersonated("carol (unconfirmed)", "carol")))
                .isEqualTo("* carol (unconfirmed): WARNING: a member of this conversation called itself carol, but the server says"
                        + " carol is another account. It is not carol; to write to the real carol, use 'parley send carol'");
        assertThat(Messages.notice(new ConversationEvent.MessageEdited("team", "bob", "hello")))
                .isEqualTo("* team: bob edited a message: hello");
        assertThat(Messages.notice(new ConversationEvent.MessageDeleted("team", "bob")))
                .isEqualTo("* team: bob deleted a message");
        assertThat(Messages.notice(new ConversationEvent.Reacted("team", "bob", "+1")))
                .isEqualTo("* team: bob reacted +1");
        assertThat(Messages.notice(new ConversationEvent.TimerChanged("team", "bob", 0)))
                .isEqualTo("* team: bob set disappearing messages to off");
        assertThat(Messages.notice(new ConversationEvent.TimerChanged("team", "bob", 30)))
                .isEqualTo("* team: bob set disappearing messages to 30 s");
    }

    @Test
    void settingsChangesAndRefusedInvitationsSayWhatHappened() {
        assertThat(Messages.notice(new ConversationEvent.SettingsChanged("crew", "bob", "team", List.of("alice", "bob"))))
                .isEqualTo("* crew: bob renamed the group (it was team); admins: alice, bob");
        assertThat(Messages.notice(new ConversationEvent.SettingsChanged("team", "alice", "team", List.of("alice", "bob"))))
                .isEqualTo("* team: alice changed the admins; admins: alice, bob");
        assertThat(Messages.notice(new ConversationEvent.InvitationRefused("",
                "zed's group claims to be a 1:1 between carol and dave, but zed is in it too; it was refused")))
                .isEqualTo("* WARNING: zed's group claims to be a 1:1 between carol and dave, but zed is in it too; it was refused."
                        + " Nothing was shared with it; if you expected an invitation, ask who sent it");
    }

    @Test
    void unreadableMessagesNameTheirConversationWhenOneIsKnown() {
        assertThat(Messages.notice(new ConversationEvent.Unreadable("team", "bob", 3, ConversationEvent.Unreadable.Cause.NEVER_ARRIVED, "")))
                .isEqualTo("* team: WARNING: 3 messages from bob never arrived: the server dropped them; ask bob to send again");
        // A copy the server did not seal to this device's mailbox key cannot say which conversation it was for.
        assertThat(Messages.notice(new ConversationEvent.Unreadable("", null, 1, ConversationEvent.Unreadable.Cause.DAMAGED, "")))
                .isEqualTo("* WARNING: 1 message could not be read: damaged or forged on the way");
    }

    @Test
    void aLineInA1to1PointsFromTheSenderToTheOtherPerson() {
        StoredMessage fromAlice = StoredMessage.newBuilder().setSender("alice").setText("hi bob").setSentAt(0).build();
        StoredMessage fromBob = StoredMessage.newBuilder().setSender("bob").setText("hi alice").setSentAt(0).setOutgoing(true).build();
        // bob's 1:1 with alice is named "alice" on bob's devices.
        assertThat(Messages.line(new Conversations.Shown("alice", true, fromAlice), "bob")).endsWith("] alice → bob: hi bob");
        assertThat(Messages.line(new Conversations.Shown("alice", true, fromBob), "bob")).endsWith("] bob → alice: hi alice");
        // A group called "alice" is no 1:1: its name is the recipient.
        assertThat(Messages.line(new Conversations.Shown("alice", false, fromAlice), "bob")).endsWith("] alice → alice: hi bob");
    }

    @Test
    void aMessageRequestSaysWhoSentItAndTheThreeAnswers() {
        Bytes id = Bytes.copyOf(new byte[16]);
        assertThat(Messages.line(new Conversations.Request(id, "party", false, "zed", 2)))
                .isEqualTo("Message request from zed in 'party' (2 messages): parley accept zed | parley block zed | parley delete party");
        assertThat(Messages.line(new Conversations.Request(id, "zed", true, "zed", 1)))
                .isEqualTo("Message request from zed (1 message): parley accept zed | parley block zed | parley delete zed");
        assertThat(Messages.line(new Conversations.Request(id, "carol (unconfirmed)", true, "carol", 1)))
                .as("a name the server has not confirmed is shown so, and quoted for the shell")
                .isEqualTo("Message request from carol (unconfirmed) (1 message): parley accept carol | parley block carol"
                        + " | parley delete 'carol (unconfirmed)'");
        assertThat(Messages.line(new Conversations.Request(id, "party", false, "", 0)))
                .as("an inviter the group did not name cannot be blocked by name")
                .isEqualTo("Message request in 'party' (0 messages): parley accept party | parley delete party");
        assertThat(Messages.notice(new ConversationEvent.RequestReceived("party", "zed"))).as("shown as a request line").isNull();
    }

    @Test
    void messagesReceiptsAndCallSignalsAreNoNotices() {
        assertThat(Messages.notice(new ConversationEvent.Receipted("bob", "bob", true, 1))).isNull();
        assertThat(Messages.notice(new ConversationEvent.CallSignalled("bob", Bytes.copyOf(new byte[16]), "bob",
                CallSignal.getDefaultInstance()))).isNull();
        assertThat(Messages.line(new ConversationEvent.Receipted("bob", "bob", true, 2))).isEqualTo("* bob: ✓✓ read by bob (2 messages)");
    }
}
