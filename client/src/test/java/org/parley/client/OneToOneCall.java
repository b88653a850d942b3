package org.parley.client;

import org.parley.client.account.Accounts;
import org.parley.client.calls.Call;
import org.parley.client.calls.CallMedia;
import org.parley.client.calls.Calls;
import org.parley.client.conversations.Conversations;
import org.parley.client.store.ProfileStore;

import java.security.SecureRandom;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Alice rang Bob, Bob accepted, and both joined the media: a 1:1 call through a test's live server. */
final class OneToOneCall {
    private static final SecureRandom RANDOM = new SecureRandom();
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
        ConversationsTest.eventually("bob has the conversation",
                () -> bob.conversations().list().stream().anyMatch(s -> s.name().equals("alice")));
        Call outgoing = aliceCalls.ring(direct.groupId(), "bob");
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
        ProfileStore store = ProfileStore.open(test.temp.resolve(username), null, true, RANDOM);
        Accounts.register(store, test.server.address(), username, null, RANDOM, ParleyClient.DEFAULT_TIMEOUT);
        ParleyClient client = ParleyClient.open(store, test.temp.resolve(username).resolve("files"), RANDOM, ParleyClient.DEFAULT_TIMEOUT);
        test.open.add(0, store);
        test.open.add(0, client);
        client.publishKeyPackages(5, true);
        return client;
    }
}
