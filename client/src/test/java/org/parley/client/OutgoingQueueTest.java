package org.parley.client;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.conversations.Conversations;
import org.parley.client.local.v1.StoredMessage;
import org.parley.client.store.ProfileStore;
import org.parley.client.testkit.HostileServer;
import org.parley.client.testkit.LiveServer;
import org.parley.client.testkit.RelayTokenIssuer;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.server.ServerConfig;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * A limit never loses a message: sends the server refuses with RATE_LIMITED or MAILBOX_FULL wait
 * in the profile and leave after the server's hint, in order, even across a restart. The relay
 * stands in for a server at its limit, refusing sends as a limited server does.
 */
class OutgoingQueueTest extends LiveServerTestBase {
    private HostileServer relay;
    /** Sends the relay still refuses, as a server at its limit would. */
    private final AtomicInteger refuse = new AtomicInteger();
    private final AtomicInteger passed = new AtomicInteger();
    private volatile ErrorCode refusal = ErrorCode.RATE_LIMITED;
    private volatile Duration hint = Duration.ofMillis(1500);

    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        relay = new HostileServer(server.address());
        open.add(relay);
        relay.onClientFrame((link, frame) -> {
            if (!frame.hasSend()) {
                return false;
            }
            if (refuse.getAndDecrement() > 0) {
                link.toClient(RelayTokenIssuer.error(frame, refusal, hint));
                return true;
            }
            passed.incrementAndGet();
            return false;
        });
    }

    private static List<String> history(ParleyClient client, byte[] groupId) {
        return client.conversations().history(groupId, 100).stream().map(StoredMessage::getText).toList();
    }

    /** Bob's view of alice's request, accepted once {@code count} messages are in it. */
    private static byte[] acceptedWith(ParleyClient bob, int count) throws InterruptedException {
        eventually("bob holds alice's request with " + count + " messages", () -> bob.conversations().requests().stream()
                .anyMatch(r -> r.inviter().equals("alice") && r.messages() == count));
        byte[] groupId = bob.conversations().requests().get(0).groupId().toByteArray();
        bob.conversations().accept("alice");
        return groupId;
    }

    @Test
    void sendsHeldBackByALimitLeaveAfterTheHintInOrder() throws Exception {
        ParleyClient alice = signedIn("alice", relay.address());
        ParleyClient bob = signedIn("bob", relay.address());
        byte[] direct = alice.conversations().direct("bob").groupId().toByteArray();

        refuse.set(2);
        long started = System.nanoTime();
        alice.conversations().sendText(direct, "one");
        assertThat(alice.outgoingWaiting(direct)).as("the first was held back").isPresent();
        alice.conversations().sendText(direct, "two");
        alice.conversations().sendText(direct, "three");
        assertThat(alice.outgoingCount()).as("the later ones wait behind it").isEqualTo(3);
        assertThat(history(alice, direct)).as("this device's copies are stored at once").containsExactly("one", "two", "three");

        eventually("the queue drains", () -> alice.outgoingCount() == 0);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("not before the hints").isGreaterThanOrEqualTo(Duration.ofMillis(2500));
        byte[] bobs = acceptedWith(bob, 3);
        assertThat(history(bob, bobs)).containsExactly("one", "two", "three");
    }

    @Test
    void aFullMailboxHoldsSendsBackUntilItHasRoom() throws Exception {
        refusal = ErrorCode.MAILBOX_FULL;
        ParleyClient alice = signedIn("alice", relay.address());
        ParleyClient bob = signedIn("bob", relay.address());
        byte[] direct = alice.conversations().direct("bob").groupId().toByteArray();

        refuse.set(1);
        alice.conversations().sendText(direct, "when you have room");
        assertThat(alice.outgoingWaiting(direct)).isPresent();
        eventually("the queue drains", () -> alice.outgoingCount() == 0);
        assertThat(history(bob, acceptedWith(bob, 1))).containsExactly("when you have room");
    }

    @Test
    void queuedSendsSurviveARestartAndGoAtTheNextStart() throws Exception {
        ParleyClient bob = signedIn("bob", relay.address());
        ParleyClient alice = signedIn("alice", relay.address());
        byte[] direct = alice.conversations().direct("bob").groupId().toByteArray();
        hint = Duration.ofSeconds(2);
        refuse.set(1);
        alice.conversations().sendText(direct, "before the restart");
        alice.conversations().sendText(direct, "and behind it");
        ProfileStore store = alice.store();
        alice.close();
        int before = passed.get();
        Thread.sleep(hint.toMillis() + 500);
        assertThat(passed.get()).as("nothing left while the client was closed").isEqualTo(before);

        ParleyClient again = profiles.connect(store, temp.resolve("alice-files"));
        // The next start sends what is due: this flush, or the client's background flush if it came first.
        again.flushOutgoing();
        eventually("the queue drains after the restart", () -> again.outgoingCount() == 0);
        assertThat(history(bob, acceptedWith(bob, 2))).containsExactly("before the restart", "and behind it");
    }

    @Test
    void otherConversationsAreNotHeldBackByOnesQueue() throws Exception {
        ParleyClient alice = signedIn("alice", relay.address());
        ParleyClient bob = signedIn("bob", relay.address());
        ParleyClient carol = signedIn("carol", relay.address());
        byte[] withBob = alice.conversations().direct("bob").groupId().toByteArray();
        byte[] withCarol = alice.conversations().direct("carol").groupId().toByteArray();
        hint = Duration.ofSeconds(30);
        refuse.set(1);
        alice.conversations().sendText(withBob, "held");
        alice.conversations().sendText(withCarol, "free");

        assertThat(alice.outgoingWaiting(withBob)).isPresent();
        assertThat(alice.outgoingWaiting(withCarol)).isEmpty();
        assertThat(history(carol, acceptedWith(carol, 1))).containsExactly("free");
        assertThat(bob.conversations().requests().stream().mapToInt(Conversations.Request::messages).sum()).isZero();
    }

    @Test
    void aRealServerAtItsLimitLosesNothing() throws Exception {
        // A server that lets one account receive one unsealed send a second, with no burst to spare.
        LiveServer limited = new LiveServer(temp.resolve("limited"), ServerConfig.defaults().withListen("127.0.0.1", 0)
                .withSealedSending(ServerConfig.SealedSending.defaults().withInbound(60, 1)));
        open.add(limited);
        ParleyClient zed = signedIn("zed", limited.address());
        ParleyClient alice = signedIn("alice", limited.address());
        byte[] direct = zed.conversations().direct("alice").groupId().toByteArray();
        List<String> sent = List.of("one", "two", "three", "four", "five");
        boolean queued = false;
        for (String text : sent) {
            zed.conversations().sendText(direct, text);
            queued |= zed.outgoingWaiting(direct).isPresent();
        }
        assertThat(queued).as("the limit held some back").isTrue();

        eventually("the queue drains", () -> zed.outgoingCount() == 0);
        eventually("alice holds zed's request with every message", () -> alice.conversations().requests().stream()
                .anyMatch(r -> r.inviter().equals("zed") && r.messages() == sent.size()));
        byte[] alices = alice.conversations().requests().get(0).groupId().toByteArray();
        alice.conversations().accept("zed");
        assertThat(history(alice, alices)).containsExactlyElementsOf(sent);
    }

    @Test
    void aSendTheServerRefusesForGoodIsNotKeptForever() throws Exception {
        refusal = ErrorCode.INVALID_ARGUMENT;
        ParleyClient alice = signedIn("alice", relay.address());
        signedIn("bob", relay.address());
        byte[] direct = alice.conversations().direct("bob").groupId().toByteArray();
        refuse.set(1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> alice.conversations().sendText(direct, "refused"))
                .isInstanceOf(org.parley.client.net.ServerException.class);
        assertThat(alice.outgoingCount()).isZero();
    }
}
