package org.parley.client.hostile;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.LiveServerTestBase;
import org.parley.client.ParleyClient;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.conversations.Conversations;
import org.parley.client.testkit.HostileServer;
import org.parley.client.testkit.LiveServer;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/** The hostile relay itself: honest, it is invisible; with a rule, it does what the rule says. */
class HostileServerRelayTest extends LiveServerTestBase {
    private HostileServer hostile;

    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        hostile = new HostileServer(server.address());
        open.add(hostile);
    }

    private static List<String> texts(List<ConversationEvent> events) {
        return events.stream().filter(e -> e instanceof ConversationEvent.Message)
                .map(e -> ((ConversationEvent.Message) e).message().getText()).toList();
    }

    @Test
    void anHonestRelayIsInvisibleAndARuleCanWithholdMail() throws Exception {
        ParleyClient alice = signedIn("alice", hostile.address());
        ParleyClient bob = signedIn("bob", hostile.address());
        List<ConversationEvent> bobSees = new CopyOnWriteArrayList<>();
        bob.conversations().addListener(bobSees::add);

        Conversations.Summary direct = alice.conversations().direct("bob");
        eventually("bob holds alice's message request", () -> !bob.conversations().requests().isEmpty());
        bob.conversations().accept("alice");
        alice.conversations().sendText(direct.groupId().toByteArray(), "through the relay");
        eventually("bob reads alice through the relay", () -> texts(bobSees).contains("through the relay"));

        AtomicInteger withheld = new AtomicInteger();
        hostile.onServerFrame((link, frame) -> frame.hasDeliver() && withheld.incrementAndGet() > 0);
        alice.conversations().sendText(direct.groupId().toByteArray(), "withheld");
        eventually("the relay withheld a delivery", () -> withheld.get() > 0);
        Thread.sleep(300);
        assertThat(texts(bobSees)).doesNotContain("withheld");
    }
}
