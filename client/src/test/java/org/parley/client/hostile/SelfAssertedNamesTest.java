package org.parley.client.hostile;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.LiveServerTestBase;
import org.parley.client.ParleyClient;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.conversations.ConversationException;
import org.parley.client.conversations.Conversations;
import org.parley.client.keys.MemberCredential;
import org.parley.client.testkit.HostileMember;
import org.parley.client.testkit.LiveServer;
import org.parley.mls.codec.Bytes;
import org.parley.mls.group.Group;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * A member writes its own username into its MLS credential; the server is the one that says which
 * account a username is. zed (a {@link HostileMember}) makes a genuine 1:1 with dave in which his
 * leaf, certified by his own account key, calls itself "carol". Through a real server: dave never
 * shows that 1:1 as plain "carol", is told of the impersonation, and what he types to carol goes
 * to the account the server names carol, never to zed.
 */
class SelfAssertedNamesTest extends LiveServerTestBase {

    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
    }

    private ParleyClient user(String username) {
        return listened(username, profiles.signedIn(username, server.address(), 10));
    }

    /**
     * Whether {@code client} stored {@code text} in the conversation {@code groupId}: read from the
     * history, since a conversation from an account not accepted yet holds its messages as a request.
     */
    private static boolean holds(ParleyClient client, byte[] groupId, String text) {
        return client.conversations().history(groupId, 10).stream().anyMatch(m -> m.getText().equals(text));
    }

    private List<String> names(ParleyClient client) {
        return client.conversations().list().stream().map(Conversations.Summary::name).toList();
    }

    /** The accounts of every leaf of a conversation as dave's device holds it. */
    private static List<Bytes> accountsIn(ParleyClient client, Conversations.Summary conversation) throws Exception {
        Group group = new HostileMember(client).unruledCopy(conversation.groupId().toByteArray());
        return group.members().stream().map(m -> MemberCredential.from(m.credential()).account()).distinct().toList();
    }

    @Test
    void aMemberCallingItselfCarolBeforeDaveKnowsCarolGetsNothingTypedToCarol() throws Exception {
        ParleyClient carol = user("carol");
        ParleyClient dave = user("dave");
        ParleyClient zed = user("zed");

        Group impostors = new HostileMember(zed).directAs("carol", "dave", "hi dave, it is carol");
        eventually("dave holds zed's message", () -> holds(dave, impostors.groupId(), "hi dave, it is carol"));
        assertThat(names(dave)).as("the name is zed's own claim, shown as one").containsExactly("carol (unconfirmed)");

        Conversations.Summary direct = dave.conversations().direct("carol");
        assertThat(direct.groupId().toByteArray()).isNotEqualTo(impostors.groupId());
        assertThat(direct.name()).isEqualTo("carol");
        assertThat(accountsIn(dave, direct)).containsExactlyInAnyOrder(Bytes.copyOf(dave.identity().accountId()),
                Bytes.copyOf(carol.identity().accountId()));
        assertThat(events.get("dave")).contains(new ConversationEvent.NameImpersonated("carol (unconfirmed)", "carol"));
        assertThat(dave.contacts().confirmedAccount("carol")).isEqualTo(Bytes.copyOf(carol.identity().accountId()));
        assertThat(names(dave)).containsExactlyInAnyOrder("carol", "carol (unconfirmed)");

        dave.conversations().sendText(direct.groupId().toByteArray(), "for carol only");
        eventually("the real carol holds dave's text", () -> holds(carol, direct.groupId().toByteArray(), "for carol only"));
        assertThat(dave.conversations().find("carol", true).groupId()).isEqualTo(direct.groupId());
        assertThat(texts("zed")).isEmpty();
        assertThat(zed.conversations().list()).isEmpty();

        // zed's 1:1 arrived as a message request "from carol"; accepting carol accepts the real one only.
        assertThatThrownBy(() -> dave.conversations().accept("carol")).isInstanceOf(ConversationException.class)
                .hasMessageContaining("accepted already");
        assertThat(dave.conversations().requests()).extracting(Conversations.Request::conversation)
                .containsExactly("carol (unconfirmed)");
    }

    @Test
    void aNameTheServerConfirmedIsNeverGivenToAMemberThatCallsItselfSo() throws Exception {
        ParleyClient carol = user("carol");
        ParleyClient dave = user("dave");
        ParleyClient zed = user("zed");
        Conversations.Summary direct = dave.conversations().direct("carol");
        Bytes carolsKey = dave.contacts().pinnedKey("carol");

        Group impostors = new HostileMember(zed).directAs("carol", "dave", "carol here, on a new phone");
        eventually("dave holds zed's message", () -> holds(dave, impostors.groupId(), "carol here, on a new phone"));
        assertThat(events.get("dave")).contains(new ConversationEvent.NameImpersonated("carol (unconfirmed)", "carol"));
        assertThat(events.get("dave")).noneMatch(e -> e instanceof ConversationEvent.KeysChanged);
        assertThat(names(dave)).containsExactlyInAnyOrder("carol", "carol (unconfirmed)");
        assertThat(dave.contacts().pinnedKey("carol")).isEqualTo(carolsKey);
        assertThat(dave.contacts().confirmedAccount("carol")).isEqualTo(Bytes.copyOf(carol.identity().accountId()));

        assertThat(dave.conversations().direct("carol").groupId()).isEqualTo(direct.groupId());
        dave.conversations().sendText(direct.groupId().toByteArray(), "still for carol only");
        eventually("the real carol holds dave's text", () -> holds(carol, direct.groupId().toByteArray(), "still for carol only"));
        assertThat(texts("zed")).isEmpty();
    }
}
