package org.parley.client;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.conversations.Conversations;
import org.parley.client.local.v1.StoredMessage;
import org.parley.client.store.ProfileStore;
import org.parley.client.testkit.AdjustableClock;
import org.parley.client.testkit.LiveServer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/** Conversations as MLS groups between real clients through a real server. */
class ConversationsTest extends LiveServerTestBase {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final AdjustableClock clock = new AdjustableClock();

    @Override
    protected Clock clock() {
        return clock;
    }

    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
    }

    private ParleyClient user(String username) {
        return listened(username, profiles.signedIn(username, server.address(), 10));
    }

    @Test
    void directAndGroupConversationsDeliverAndRemovedMembersCannotRead() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        ParleyClient carol = user("carol");

        Conversations.Summary direct = alice.conversations().direct("bob");
        assertThat(direct.members()).containsExactly("alice", "bob");
        accept(bob, "alice");
        alice.conversations().sendText(direct.groupId().toByteArray(), "hi bob");
        eventually("bob reads alice", () -> texts("bob").contains("hi bob"));
        Conversations.Summary bobSide = bob.conversations().find("alice", true);
        bob.conversations().sendText(bobSide.groupId().toByteArray(), "hi alice");
        eventually("alice reads bob", () -> texts("alice").contains("hi alice"));

        Conversations.Summary team = alice.conversations().createGroup("team", List.of("bob", "carol"));
        accept(carol, "alice");
        alice.conversations().sendText(team.groupId().toByteArray(), "welcome to team");
        eventually("carol reads team", () -> texts("carol").contains("welcome to team"));
        eventually("carol knows the name", () -> carol.conversations().list().stream().anyMatch(s -> s.name().equals("team")));
        assertThat(carol.conversations().find("team", false).members()).containsExactly("alice", "bob", "carol");

        Path file = temp.resolve("notes.txt");
        Files.writeString(file, "attached words");
        alice.conversations().sendFile(team.groupId().toByteArray(), file);
        eventually("bob gets the file", () -> texts("bob").stream().anyMatch(t -> t.startsWith("[file] notes.txt saved to")));
        StoredMessage fileMessage = bob.conversations().history(bob.conversations().find("team", false).groupId().toByteArray(), 10).stream()
                .filter(m -> !m.getAttachmentPath().isEmpty()).findFirst().orElseThrow();
        assertThat(Files.readString(Path.of(fileMessage.getAttachmentPath()), StandardCharsets.UTF_8)).isEqualTo("attached words");

        alice.conversations().removeMember("team", "carol");
        eventually("carol learns she was removed", () -> carol.conversations().list().stream().noneMatch(s -> s.name().equals("team")));
        alice.conversations().sendText(team.groupId().toByteArray(), "carol cannot read this");
        eventually("bob reads it", () -> texts("bob").contains("carol cannot read this"));
        assertThat(bob.conversations().find("team", false).members()).containsExactly("alice", "bob");
        Thread.sleep(300);
        assertThat(texts("carol")).doesNotContain("carol cannot read this");
    }

    @Test
    void fiveMembersCommittingAtOnceConverge() throws Exception {
        List<ParleyClient> members = new ArrayList<>();
        for (String name : List.of("mem1", "mem2", "mem3", "mem4", "mem5")) {
            members.add(user(name));
        }
        Conversations.Summary group = members.get(0).conversations().createGroup("five", List.of("mem2", "mem3", "mem4", "mem5"));
        byte[] groupId = group.groupId().toByteArray();
        for (ParleyClient member : members.subList(1, members.size())) {
            accept(member, "mem1");
        }
        ExecutorService pool = Executors.newFixedThreadPool(5);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> commits = new ArrayList<>();
        for (ParleyClient member : members) {
            commits.add(pool.submit(() -> {
                go.await();
                member.conversations().update(groupId);
                return null;
            }));
        }
        go.countDown();
        for (Future<?> commit : commits) {
            commit.get();
        }
        pool.shutdown();
        long expected = 1 + 5;
        for (ParleyClient member : members) {
            eventually("every member reached epoch " + expected, () -> member.conversations().epoch(groupId) == expected);
        }
        String authenticator = HexFormat.of().formatHex(members.get(0).conversations().epochAuthenticator(groupId));
        for (ParleyClient member : members) {
            assertThat(HexFormat.of().formatHex(member.conversations().epochAuthenticator(groupId))).isEqualTo(authenticator);
        }
        members.get(4).conversations().sendText(groupId, "all converged");
        for (String name : List.of("mem1", "mem2", "mem3", "mem4")) {
            eventually(name + " reads after convergence", () -> texts(name).contains("all converged"));
        }
    }

    @Test
    void droppedConnectionsLoseNothingAndShowNothingTwice() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        byte[] groupId = alice.conversations().direct("bob").groupId().toByteArray();
        accept(bob, "alice");
        int count = 30;
        Thread dropper = new Thread(() -> {
            for (int i = 0; i < 6; i++) {
                bob.session().dropConnection();
                try {
                    Thread.sleep(40);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        dropper.start();
        for (int i = 0; i < count; i++) {
            alice.conversations().sendText(groupId, "message " + i);
            if (i % 5 == 0) {
                alice.session().dropConnection();
            }
        }
        dropper.join();
        eventually("bob got all " + count, () -> texts("bob").size() == count);
        Thread.sleep(300);
        assertThat(texts("bob")).hasSize(count).doesNotHaveDuplicates();
        byte[] bobGroup = bob.conversations().find("alice", true).groupId().toByteArray();
        assertThat(bob.conversations().history(bobGroup, 1000)).hasSize(count);
    }

    @Test
    void aServerRestartMidConversationLosesNothingAndShowsNothingTwice() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        byte[] groupId = alice.conversations().direct("bob").groupId().toByteArray();
        accept(bob, "alice");
        for (int i = 0; i < 10; i++) {
            alice.conversations().sendText(groupId, "before " + i);
        }
        server.restart();
        for (int i = 0; i < 10; i++) {
            alice.conversations().sendText(groupId, "after " + i);
        }
        eventually("bob got all 20", () -> texts("bob").size() == 20);
        Thread.sleep(300);
        assertThat(texts("bob")).hasSize(20).doesNotHaveDuplicates().contains("before 0", "after 9");
    }

    @Test
    void disappearingMessagesAreDeletedLocallyAfterTheTimer() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        byte[] groupId = alice.conversations().direct("bob").groupId().toByteArray();
        accept(bob, "alice");
        alice.conversations().sendText(groupId, "stays");
        alice.conversations().setTimer(groupId, 1);
        alice.conversations().sendText(groupId, "vanishes");
        eventually("bob reads both", () -> texts("bob").contains("vanishes"));
        byte[] bobGroup = bob.conversations().find("alice", true).groupId().toByteArray();
        assertThat(bob.conversations().list().get(0).timerSeconds()).isEqualTo(1);
        clock.advance(Duration.ofMillis(1500));
        assertThat(bob.conversations().history(bobGroup, 10)).extracting(StoredMessage::getText).containsExactly("stays");
        assertThat(alice.conversations().history(groupId, 10)).extracting(StoredMessage::getText).containsExactly("stays");
    }

    @Test
    void sendsAreSealedOnceTheRecipientsAccessKeyWasShared() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        byte[] groupId = alice.conversations().direct("bob").groupId().toByteArray();
        accept(bob, "alice");
        eventually("bob's access key reached alice", () -> alice.contacts().get("bob") != null
                && !alice.contacts().get("bob").getAccessKey().isEmpty());
        org.parley.server.accounts.DeviceId bobDevice = org.parley.server.accounts.DeviceId.of(bob.identity().deviceId());
        bob.close();
        // Mail bob had not acknowledged before closing may still wait; only the new message counts.
        List<org.parley.server.mailbox.Envelope> before = server.store().mailbox().pending(bobDevice, 0, 100);
        long after = before.isEmpty() ? 0 : before.get(before.size() - 1).id();
        alice.conversations().sendText(groupId, "who sent this?");
        List<org.parley.server.mailbox.Envelope> pending = server.store().mailbox().pending(bobDevice, after, 100);
        assertThat(pending).as("stored without a sender: the server keeps none").hasSize(1);
    }

    @Test
    void repliesEditsDeletionsAndReactionsReachTheOtherSide() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        byte[] groupId = alice.conversations().direct("bob").groupId().toByteArray();
        accept(bob, "alice");
        StoredMessage first = alice.conversations().sendText(groupId, "helo");
        StoredMessage second = alice.conversations().sendText(groupId, "oops");
        eventually("bob reads both", () -> texts("bob").contains("oops"));
        byte[] bobGroup = bob.conversations().find("alice", true).groupId().toByteArray();
        bob.conversations().reply(bobGroup, first.getId().toByteArray(), "hello to you");
        bob.conversations().react(bobGroup, first.getId().toByteArray(), "+1");
        bob.conversations().edit(bobGroup, first.getId().toByteArray(), "bob cannot edit alice's words");
        alice.conversations().edit(groupId, first.getId().toByteArray(), "hello");
        alice.conversations().delete(groupId, second.getId().toByteArray());
        eventually("alice sees the reply", () -> texts("alice").contains("(reply) hello to you"));
        eventually("alice sees the reaction", () -> events.get("alice").stream()
                .anyMatch(e -> e.equals(new ConversationEvent.Reacted("bob", "bob", "+1"))));
        eventually("bob sees the edit and the deletion", () -> bob.conversations().history(bobGroup, 10).stream()
                .map(StoredMessage::getText).toList().containsAll(List.of("hello", "(deleted)")));
        assertThat(bob.conversations().history(bobGroup, 10)).extracting(StoredMessage::getText)
                .containsExactly("hello", "(deleted)", "(reply) hello to you");
        assertThat(alice.conversations().history(groupId, 10)).extracting(StoredMessage::getText)
                .containsExactly("hello", "(deleted)", "(reply) hello to you");
    }

    private static long directsWith(ParleyClient client, String other) {
        return client.conversations().list().stream().filter(c -> c.direct() && c.name().equals(other)).count();
    }

    @Test
    void twoPeopleStartingTheir1to1AtOnceConvergeOnOneConversation() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        // bob's device processes nothing meanwhile, so he does not see alice's Welcome before creating his own.
        synchronized (bob.conversations()) {
            alice.conversations().direct("bob");
            bob.conversations().direct("alice");
        }
        // Both conversations must be known as 1:1s with the other person on both sides (a joined
        // group is named and marked direct from its settings when its Welcome is processed).
        eventually("both have both 1:1s", () -> directsWith(alice, "bob") == 2 && directsWith(bob, "alice") == 2);
        byte[] chosen = alice.conversations().find("bob", true).groupId().toByteArray();
        assertThat(bob.conversations().find("alice", true).groupId().toByteArray()).isEqualTo(chosen);
        assertThat(alice.conversations().direct("bob").groupId().toByteArray()).isEqualTo(chosen);
        alice.conversations().sendText(alice.conversations().direct("bob").groupId().toByteArray(), "one conversation");
        bob.conversations().sendText(bob.conversations().direct("alice").groupId().toByteArray(), "yes, one");
        eventually("both read each other", () -> texts("bob").contains("one conversation") && texts("alice").contains("yes, one"));
        assertThat(alice.conversations().history(chosen, 10)).extracting(StoredMessage::getText)
                .containsExactly("one conversation", "yes, one");
    }

    @Test
    void aMemberWhoLeavesWhileAnotherCommitsIsStillRemoved() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        ParleyClient carol = user("carol");
        byte[] groupId = alice.conversations().createGroup("team", List.of("bob", "carol")).groupId().toByteArray();
        accept(bob, "alice");
        accept(carol, "alice");

        // carol's device processes nothing while bob commits and she leaves: her Remove proposal is
        // for the epoch bob's commit ends, so alice and bob drop it.
        synchronized (carol.conversations()) {
            bob.conversations().update(groupId);
            carol.conversations().leave("team");
        }
        eventually("alice and bob removed carol", () -> alice.conversations().find("team", false).members().equals(List.of("alice", "bob"))
                && bob.conversations().find("team", false).members().equals(List.of("alice", "bob")));
        assertThat(carol.conversations().list()).isEmpty();
        alice.conversations().sendText(groupId, "carol has gone");
        eventually("bob reads alice", () -> texts("bob").contains("carol has gone"));
        assertThat(texts("carol")).doesNotContain("carol has gone");
    }

    @Test
    void deliveredAndReadReceiptsReachTheSender() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        byte[] groupId = alice.conversations().direct("bob").groupId().toByteArray();
        accept(bob, "alice");
        StoredMessage hello = alice.conversations().sendText(groupId, "hello");
        eventually("bob reads alice", () -> texts("bob").contains("hello"));
        eventually("bob's device confirmed delivery", () -> alice.conversations().history(groupId, 10).get(0)
                .getDeliveredToList().contains("bob"));
        assertThat(alice.conversations().history(groupId, 10).get(0).getReadByList()).as("not shown to bob yet").isEmpty();

        assertThat(bob.conversations().takeUnshown()).extracting(shown -> shown.message().getText()).containsExactly("hello");
        eventually("bob read it", () -> alice.conversations().history(groupId, 10).get(0).getReadByList().contains("bob"));
        assertThat(events.get("alice")).filteredOn(e -> e instanceof ConversationEvent.Receipted)
                .extracting(e -> ((ConversationEvent.Receipted) e).read()).containsExactly(false, true);
        assertThat(alice.conversations().history(groupId, 10)).extracting(m -> m.getId())
                .as("a receipt is not a message").containsExactly(hello.getId());
        byte[] bobGroup = bob.conversations().find("alice", true).groupId().toByteArray();
        assertThat(bob.conversations().history(bobGroup, 10).get(0).getDeliveredToList())
                .as("receipts mark only the receiver's own messages").isEmpty();
    }

    @Test
    void aLinkedDeviceJoinsConversationsAdoptsTheProfileKeyAndSendsSealed() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        byte[] groupId = alice.conversations().direct("bob").groupId().toByteArray();
        accept(bob, "alice");

        ProfileStore laptopStore = profiles.create("laptop");
        org.parley.client.testkit.DeviceLinks.link(laptopStore, alice);
        ParleyClient laptop = profiles.connect(laptopStore, temp.resolve("laptop-files"));
        laptop.publishKeyPackages(5, true);
        assertThat(laptop.identity().profileKey()).as("the approval carried the profile key").isEqualTo(alice.identity().profileKey());

        alice.syncOwnDevices();
        // Named "bob (unconfirmed)" on the laptop until it asks the server who bob is (find does, below).
        eventually("the laptop is in the 1:1", () -> laptop.conversations().list().stream()
                .anyMatch(s -> s.direct() && s.members().contains("bob")));
        eventually("the laptop adopted the account's profile key", () -> java.util.Arrays.equals(
                laptop.identity().profileKey(), alice.identity().profileKey()));
        eventually("bob's access key reached the laptop", () -> laptop.contacts().get("bob") != null
                && !laptop.contacts().get("bob").getAccessKey().isEmpty());
        assertThat(bob.conversations().list().get(0).members()).containsExactly("alice", "bob");

        org.parley.server.accounts.DeviceId bobDevice = org.parley.server.accounts.DeviceId.of(bob.identity().deviceId());
        bob.close();
        byte[] laptopGroup = laptop.conversations().find("bob", true).groupId().toByteArray();
        assertThat(laptop.conversations().list().stream().map(s -> s.name()).toList()).as("the server confirmed bob").containsExactly("bob");
        laptop.conversations().sendText(laptopGroup, "from the laptop");
        List<org.parley.server.mailbox.Envelope> pending = server.store().mailbox().pending(bobDevice, 0, 100);
        assertThat(pending).as("stored without a sender: the server keeps none").isNotEmpty();
        eventually("alice's phone sees what the laptop sent", () -> texts("alice").contains("from the laptop"));
    }
}
