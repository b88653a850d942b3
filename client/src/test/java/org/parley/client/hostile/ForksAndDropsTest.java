package org.parley.client.hostile;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.LiveServerTestBase;
import org.parley.client.ParleyClient;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.conversations.Conversations;
import org.parley.client.testkit.HostileServer;
import org.parley.client.testkit.LiveServer;
import org.parley.protocol.MailboxSeal;
import org.parley.protocol.v1.Ack;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.CommitResult;
import org.parley.protocol.v1.Deliver;
import org.parley.protocol.v1.ServerFrame;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * A server that drops messages, withholds or replays a commit, or gives members different
 * commits: the group is never silently broken. Each member sees a specific warning, no message
 * is shown that was not sent, and the conversation goes on where it can.
 */
class ForksAndDropsTest extends LiveServerTestBase {
    private final Map<String, ParleyClient> clients = new ConcurrentHashMap<>();
    private HostileServer hostile;

    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        hostile = new HostileServer(server.address());
        open.add(hostile);
    }

    private ParleyClient user(String username) {
        ParleyClient client = listened(username, profiles.signedIn(username, hostile.address(), 10));
        clients.put(username, client);
        return client;
    }

    private List<ConversationEvent.Unreadable> warnings(String username) {
        return events.get(username).stream().filter(e -> e instanceof ConversationEvent.Unreadable)
                .map(e -> (ConversationEvent.Unreadable) e).toList();
    }

    /** {@code username} accepts the message request of {@code inviter} once it arrived, as a person does before talking. */
    private void accept(String username, String inviter) throws InterruptedException {
        ParleyClient client = clients.get(username);
        eventually(username + " holds " + inviter + "'s request",
                () -> client.conversations().requests().stream().anyMatch(r -> r.inviter().equals(inviter)));
        client.conversations().accept(inviter);
        // Accepting shares this account's access key: let it land before the test's server starts meddling.
        eventually(inviter + " has " + username + "'s access key", () -> clients.get(inviter).contacts().get(username) != null
                && !clients.get(inviter).contacts().get(username).getAccessKey().isEmpty());
    }

    private ByteString device(String username) {
        return ByteString.copyFrom(clients.get(username).identity().deviceId());
    }

    /** Drops (and acknowledges to the real server, so it is gone for good) mail for {@code username} that {@code which} picks. */
    private void dropMailFor(String username, java.util.function.Predicate<Deliver> which, AtomicInteger dropped) {
        ByteString device = device(username);
        hostile.onServerFrame((link, frame) -> {
            if (frame.hasDeliver() && device.equals(link.deviceId()) && which.test(frame.getDeliver())) {
                dropped.incrementAndGet();
                link.toServer(ClientFrame.newBuilder().setAck(Ack.newBuilder().addEnvelopeIds(frame.getDeliver().getEnvelopeId())).build());
                return true;
            }
            return false;
        });
    }

    /** Alice and bob in an accepted direct conversation, bob having read alice's first message; returns its group id. */
    private byte[] aliceAndBobTalking() throws InterruptedException {
        ParleyClient alice = user("alice");
        user("bob");
        byte[] direct = alice.conversations().direct("bob").groupId().toByteArray();
        accept("bob", "alice");
        alice.conversations().sendText(direct, "first");
        eventually("bob reads the first message", () -> texts("bob").contains("first"));
        Thread.sleep(300); // let receipts and key shares settle before the server starts meddling
        return direct;
    }

    @Test
    void messagesTheServerDropsAreCountedAsNeverArrived() throws Exception {
        byte[] direct = aliceAndBobTalking();
        ParleyClient alice = clients.get("alice");

        AtomicInteger dropped = new AtomicInteger();
        MlsFraming bobsMail = new MlsFraming(clients.get("bob"), direct);
        dropMailFor("bob", d -> dropped.get() < 3 && bobsMail.privateContentType(d) == MlsFraming.CONTENT_TYPE_APPLICATION, dropped);
        for (String text : List.of("dropped 1", "dropped 2", "dropped 3", "after the drops")) {
            alice.conversations().sendText(direct, text);
        }
        eventually("bob reads the message after the drops", () -> texts("bob").contains("after the drops"));
        assertThat(texts("bob")).doesNotContain("dropped 1", "dropped 2", "dropped 3");
        eventually("bob is warned", () -> !warnings("bob").isEmpty());
        assertThat(warnings("bob")).singleElement().satisfies(w -> {
            assertThat(w.cause()).isEqualTo(ConversationEvent.Unreadable.Cause.NEVER_ARRIVED);
            assertThat(w.sender()).isEqualTo("alice");
            assertThat(w.messages()).isEqualTo(3);
        });
    }

    @Test
    void aWithheldCommitIsShownAndAReplayedOneChangesNothing() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        user("carol");
        byte[] team = alice.conversations().createGroup("team", List.of("bob", "carol")).groupId().toByteArray();
        accept("bob", "alice");
        accept("carol", "alice");
        alice.conversations().sendText(team, "hello team");
        eventually("carol reads the team", () -> texts("carol").contains("hello team"));
        eventually("bob reads the team", () -> texts("bob").contains("hello team"));
        Thread.sleep(300);

        // The server keeps a copy of alice's next commit as bob receives it, and withholds it from carol.
        AtomicReference<ServerFrame> recorded = new AtomicReference<>();
        ByteString bobDevice = device("bob");
        MlsFraming bobsMail = new MlsFraming(bob, team);
        hostile.onServerFrame((link, frame) -> {
            if (frame.hasDeliver() && bobDevice.equals(link.deviceId()) && bobsMail.isCommit(frame.getDeliver())) {
                recorded.compareAndSet(null, frame);
            }
            return false;
        });
        AtomicInteger withheld = new AtomicInteger();
        MlsFraming carolsMail = new MlsFraming(clients.get("carol"), team);
        dropMailFor("carol", d -> withheld.get() == 0 && carolsMail.isCommit(d), withheld);
        long before = bob.conversations().epoch(bobGroup(bob, "team"));
        alice.conversations().update(team);
        alice.conversations().sendText(team, "after the change");
        eventually("bob reads after the change", () -> texts("bob").contains("after the change"));
        eventually("carol is told a change never reached her", () -> warnings("carol").stream()
                .anyMatch(w -> w.cause() == ConversationEvent.Unreadable.Cause.CHANGE_MISSED));
        assertThat(texts("carol")).doesNotContain("after the change");
        assertThat(withheld.get()).isEqualTo(1);

        // Replayed to bob as new mail, the old commit changes nothing and is shown as a replay.
        long after = bob.conversations().epoch(bobGroup(bob, "team"));
        assertThat(after).isEqualTo(before + 1);
        assertThat(recorded.get()).isNotNull();
        ServerFrame replay = recorded.get().toBuilder().setDeliver(recorded.get().getDeliver().toBuilder()
                .setEnvelopeId(Long.MAX_VALUE - 1)).build();
        hostile.linksOf(bobDevice).forEach(link -> link.toClient(replay));
        eventually("bob is told of a replay", () -> warnings("bob").stream()
                .anyMatch(w -> w.cause() == ConversationEvent.Unreadable.Cause.REPLAYED));
        assertThat(bob.conversations().epoch(bobGroup(bob, "team"))).isEqualTo(after);
        bob.conversations().sendText(bobGroup(bob, "team"), "still working");
        eventually("alice reads bob after the replay", () -> texts("alice").contains("still working"));
    }

    @Test
    void anExactCopyOfAMessageIsDroppedInSilenceAndAnotherCiphertextUnderItsKeyIsReportedAsAReplay() throws Exception {
        byte[] direct = aliceAndBobTalking();
        ParleyClient alice = clients.get("alice");

        AtomicReference<ServerFrame> recorded = new AtomicReference<>();
        ByteString bobDevice = device("bob");
        MlsFraming bobsMail = new MlsFraming(clients.get("bob"), direct);
        hostile.onServerFrame((link, frame) -> {
            if (frame.hasDeliver() && bobDevice.equals(link.deviceId())
                    && bobsMail.privateContentType(frame.getDeliver()) == MlsFraming.CONTENT_TYPE_APPLICATION) {
                recorded.compareAndSet(null, frame);
            }
            return false;
        });
        alice.conversations().sendText(direct, "recorded");
        eventually("bob reads the recorded message", () -> texts("bob").contains("recorded"));
        eventually("the server recorded it", () -> recorded.get() != null);

        // The same bytes again as new mail, as after a sender's resend: nothing shown, nothing reported.
        Deliver copy = recorded.get().getDeliver();
        hostile.linksOf(bobDevice).forEach(link -> link.toClient(recorded.get().toBuilder()
                .setDeliver(copy.toBuilder().setEnvelopeId(Long.MAX_VALUE - 3)).build()));
        alice.conversations().sendText(direct, "after the copy");
        eventually("bob reads after the copy", () -> texts("bob").contains("after the copy"));
        assertThat(warnings("bob")).isEmpty();

        // Another ciphertext under the key that message used: a replay, reported, and shown nowhere.
        Deliver changed = bobsMail.withContentChanged(copy, Long.MAX_VALUE - 2);
        hostile.linksOf(bobDevice).forEach(link -> link.toClient(ServerFrame.newBuilder().setDeliver(changed).build()));
        eventually("bob is told of a replay", () -> !warnings("bob").isEmpty());
        assertThat(warnings("bob")).singleElement().satisfies(w -> {
            assertThat(w.cause()).isEqualTo(ConversationEvent.Unreadable.Cause.REPLAYED);
            assertThat(w.sender()).isEqualTo("alice");
        });
        assertThat(texts("bob").stream().filter("recorded"::equals)).hasSize(1);
        alice.conversations().sendText(direct, "still talking");
        eventually("bob reads after the replay", () -> texts("bob").contains("still talking"));
    }

    @Test
    void aCommitWhoseAnswerIsLostWithTheConnectionIsSentAgainAndMerged() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        byte[] team = alice.conversations().createGroup("team", List.of("bob")).groupId().toByteArray();
        accept(bob, "alice");
        alice.conversations().sendText(team, "before");
        eventually("bob reads the team", () -> texts("bob").contains("before"));

        // The server stores alice's next commit, then the connection drops before she hears so. Her
        // commit is sealed: the relay cannot tell whose it is, but she is the only one committing now.
        AtomicBoolean cut = new AtomicBoolean();
        hostile.onServerFrame((link, frame) -> {
            if (frame.hasCommitResult() && cut.compareAndSet(false, true)) {
                link.close();
                return true;
            }
            return false;
        });
        alice.conversations().update(team);
        assertThat(cut.get()).isTrue();
        byte[] bobTeam = bobGroup(bob, "team");
        eventually("bob took alice's commit", () -> bob.conversations().epoch(bobTeam) == alice.conversations().epoch(team));

        alice.conversations().sendText(team, "after the lost answer");
        eventually("bob reads alice in the new epoch", () -> texts("bob").contains("after the lost answer"));
        bob.conversations().sendText(bobTeam, "bob answers");
        eventually("alice reads bob in the new epoch", () -> texts("alice").contains("bob answers"));
        assertThat(events.get("alice")).noneMatch(e -> e instanceof ConversationEvent.Unreadable);
        assertThat(events.get("bob")).noneMatch(e -> e instanceof ConversationEvent.Unreadable);
    }

    @Test
    void membersGivenDifferentCommitsAreToldTheGroupSplit() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        user("carol");
        byte[] team = alice.conversations().createGroup("team", List.of("bob", "carol")).groupId().toByteArray();
        accept("bob", "alice");
        accept("carol", "alice");
        alice.conversations().sendText(team, "hello team");
        eventually("carol reads the team", () -> texts("carol").contains("hello team"));
        eventually("bob reads the team", () -> texts("bob").contains("hello team"));
        Thread.sleep(300);

        // bob's commit never reaches the real server: the hostile one tells bob it won, gives it to
        // carol only (sealed to her mailbox key, as the server seals what it stores), and lets
        // alice's commit for the same epoch win at the real server. bob's commit is sealed, so the
        // relay cannot tell whose it is; it takes the next commit, which is bob's.
        ByteString carolDevice = device("carol");
        byte[] carolsMailboxKey = clients.get("carol").identity().mailboxPublicKey();
        AtomicBoolean forked = new AtomicBoolean();
        hostile.onClientFrame((link, frame) -> {
            if (!frame.hasSubmitCommit() || !forked.compareAndSet(false, true)) {
                return false;
            }
            link.toClient(ServerFrame.newBuilder().setRequestId(frame.getRequestId()).setCommitResult(CommitResult.newBuilder()
                    .setAccepted(true).setCurrentEpoch(frame.getSubmitCommit().getEpoch() + 1)).build());
            hostile.linksOf(carolDevice).forEach(carol -> carol.toClient(ServerFrame.newBuilder().setDeliver(Deliver.newBuilder()
                    .setEnvelopeId(Long.MAX_VALUE - 2).setPayload(ByteString.copyFrom(MailboxSeal.seal(carolsMailboxKey,
                            frame.getSubmitCommit().getSend().getPayload().toByteArray())))).build()));
            return true;
        });
        byte[] bobTeam = bobGroup(bob, "team");
        bob.conversations().update(bobTeam);
        eventually("carol took bob's commit", () -> clients.get("carol").conversations().epoch(bobGroup(clients.get("carol"), "team"))
                == bob.conversations().epoch(bobTeam));
        hostile.beHonest();
        alice.conversations().update(team);
        assertThat(alice.conversations().epoch(team)).isEqualTo(bob.conversations().epoch(bobTeam));

        alice.conversations().sendText(team, "from alice's version");
        bob.conversations().sendText(bobTeam, "from bob's version");
        eventually("bob is told the group split", () -> warnings("bob").stream()
                .anyMatch(w -> w.cause() == ConversationEvent.Unreadable.Cause.GROUP_SPLIT));
        eventually("alice is told the group split", () -> warnings("alice").stream()
                .anyMatch(w -> w.cause() == ConversationEvent.Unreadable.Cause.GROUP_SPLIT));
        eventually("carol, in bob's version, reads bob", () -> texts("carol").contains("from bob's version"));
        assertThat(texts("bob")).doesNotContain("from alice's version");
        assertThat(texts("alice")).doesNotContain("from bob's version");
    }

    private static byte[] bobGroup(ParleyClient client, String name) {
        return client.conversations().find(name, false).groupId().toByteArray();
    }

}
