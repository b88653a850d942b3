package org.parley.client;

import org.parley.client.calls.Call;
import org.parley.client.calls.CallMedia;
import org.parley.client.calls.Calls;
import org.parley.client.conversations.Conversations;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/** Alice rang Bob, Bob accepted, and both joined the media: a 1:1 call through a test's live server. */
final class OneToOneCall {
    static final Duration WAIT = Duration.ofSeconds(30);

    final ParleyClient alice;
    final ParleyClient bob;
    final Call outgoing;
    final Call incoming;
    final CallMedia aliceMedia;
    final CallMedia bobMedia;

    private OneToOneCall(ParleyClient alice, ParleyClient bob, Call outgoing, Call incoming) {
        this.alice = alice;
        this.bob = bob;
        this.outgoing = outgoing;
        this.incoming = incoming;
        this.aliceMedia = outgoing.join();
        this.bobMedia = incoming.join();
    }

    /** Registers alice and bob on the test's server and sets up the call; everything is closed with the test. */
    static OneToOneCall start(LiveServerTestBase test) throws InterruptedException {
        ParleyClient alice = user(test, "alice");
        ParleyClient bob = user(test, "bob");
        Calls aliceCalls = new Calls(alice);
        Calls bobCalls = new Calls(bob);
        test.open.add(0, aliceCalls);
        test.open.add(0, bobCalls);
        Conversations.Summary direct = alice.conversations().direct("bob");
        eventually("bob holds alice's message request",
                () -> bob.conversations().requests().stream().anyMatch(r -> r.inviter().equals("alice")));
        bob.conversations().accept("alice");
        Call outgoing = aliceCalls.ring(direct.groupId().toByteArray(), "bob");
        Call incoming = bobCalls.awaitRing(WAIT);
        assertThat(incoming.callId()).isEqualTo(outgoing.callId());
        assertThat(incoming.conversation()).isEqualTo("alice");
        incoming.accept();
        assertThat(outgoing.awaitAccepted(WAIT)).isTrue();
        test.open.add(0, outgoing);
        test.open.add(0, incoming);
        return new OneToOneCall(alice, bob, outgoing, incoming);
    }

    /** A registered, signed-in client with key packages published. */
    static ParleyClient user(LiveServerTestBase test, String username) {
        return test.signedIn(username, test.server.address());
    }
}
