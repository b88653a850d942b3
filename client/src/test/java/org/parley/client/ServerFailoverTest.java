package org.parley.client;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.account.Accounts;
import org.parley.client.conversations.Conversations;
import org.parley.client.net.Endpoint;
import org.parley.client.net.ServerAddress;
import org.parley.client.store.ProfileStore;
import org.parley.client.testkit.LiveServer;
import org.parley.client.testnet.SynBlackhole;
import org.parley.client.testnet.TcpForwarder;
import org.parley.server.ServerConfig;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * Issue 15: a profile reaches its server at several addresses. The primary address (a forwarder in
 * front of the server) is dropped mid-conversation, refusing from then on or dropping SYNs; the
 * clients move to the second address, which the server announced, and no message is lost.
 */
class ServerFailoverTest extends LiveServerTestBase {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Issue 15's goal for moving to the second address. */
    private static final Duration SWITCH_GOAL = Duration.ofSeconds(5);

    private TcpForwarder primary;
    private TcpForwarder second;

    @BeforeEach
    void start() throws Exception {
        // The second address must be known before the server starts, to be announced: bind it first.
        ServerSocket secondListener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        String secondUrl = "http://127.0.0.1:" + secondListener.getLocalPort();
        server = new LiveServer(temp.resolve("server"), ServerConfig.defaults().withListen("127.0.0.1", 0)
                .withCalls(ServerConfig.Calls.defaults().withMediaPort(OptionalInt.empty())).withAlternates(List.of(secondUrl)));
        InetSocketAddress direct = new InetSocketAddress("127.0.0.1", server.address().port());
        second = TcpForwarder.start(secondListener, direct);
        primary = TcpForwarder.open(new InetSocketAddress("127.0.0.1", 0), direct);
        open.add(second);
        open.add(primary);
    }

    private ServerAddress primaryAddress() {
        return new ServerAddress("127.0.0.1", primary.address().getPort(), false);
    }

    private ServerAddress secondAddress() {
        return new ServerAddress("127.0.0.1", second.address().getPort(), false);
    }

    /** How the primary address goes away mid-conversation. */
    private interface Drop {
        void primary() throws Exception;
    }

    @Test
    void thePrimaryDroppedMidConversationTheClientsMoveToTheAnnouncedAddressAndNoMessageIsLost() throws Exception {
        movesToTheSecondAddressAndLosesNothingWhen(() -> primary.close()); // every connection through it ends, and it refuses new ones
    }

    /** As above, but from then on the primary drops SYNs rather than refusing them (a blackholed address). */
    @Test
    void thePrimaryBlackholedMidConversationTheClientsStillMoveWithinTheGoal() throws Exception {
        movesToTheSecondAddressAndLosesNothingWhen(() -> {
            int port = primary.address().getPort();
            primary.close();
            open.add(SynBlackhole.on(port));
        });
    }

    private void movesToTheSecondAddressAndLosesNothingWhen(Drop drop) throws Exception {
        ParleyClient alice = listened("alice", signedIn("alice", primaryAddress()));
        ParleyClient bob = listened("bob", signedIn("bob", primaryAddress()));
        assertThat(alice.serverAddresses().endpoints()).as("registered, then announced")
                .containsExactly(Endpoint.direct(primaryAddress()), Endpoint.direct(secondAddress()));

        Conversations.Summary direct = alice.conversations().direct("bob");
        accept(bob, "alice");
        byte[] groupId = direct.groupId().toByteArray();
        int count = 30;
        List<String> sent = IntStream.range(0, count).mapToObj(i -> "message " + i).toList();
        CompletableFuture<Long> aliceMoved = new CompletableFuture<>();
        alice.session().addReconnectListener(() -> aliceMoved.complete(System.nanoTime()));

        long droppedAt = 0;
        for (int i = 0; i < count; i++) {
            if (i == count / 2) {
                droppedAt = System.nanoTime();
                drop.primary();
            }
            alice.conversations().sendText(groupId, sent.get(i));
        }
        long movedAt = aliceMoved.get(SWITCH_GOAL.toMillis() * 4, TimeUnit.MILLISECONDS);
        Duration took = Duration.ofNanos(movedAt - droppedAt);
        System.out.println("alice moved to the second address " + took.toMillis() + " ms after the primary was dropped");
        assertThat(took).as("moved to the second address within issue 15's goal").isLessThan(SWITCH_GOAL);
        assertThat(alice.session().address()).isEqualTo(secondAddress());

        eventually("bob got all " + count, () -> texts("bob").size() >= count);
        Thread.sleep(300); // a duplicate would arrive now
        assertThat(texts("bob")).as("all arrive, in order, exactly once").containsExactlyElementsOf(sent);
        assertThat(bob.session().address()).isEqualTo(secondAddress());
        eventually("the address that worked is remembered", () -> {
            alice.flushOutgoing(); // any work under the profile's lock; the tick saves too
            return alice.identity().lastWorking().equals(secondAddress().toString());
        });
    }

    @Test
    void aClientStartingWhileThePrimaryIsDownReachesTheSecondAddressAndStartsThereNextTime() throws Exception {
        ProfileStore store = profiles.create("alice");
        Accounts.register(store, primaryAddress(), "alice", null, RANDOM, ParleyClient.DEFAULT_TIMEOUT);
        primary.close();

        ParleyClient alice = profiles.connect(store, temp.resolve("files"));
        assertThat(alice.session().address()).isEqualTo(secondAddress());
        assertThat(alice.keyPackages().remaining(alice.session())).isZero();
        alice.close();
        assertThat(alice.identity().lastWorking()).as("saved on close").isEqualTo(secondAddress().toString());
        assertThat(alice.serverAddresses().lastWorking()).contains(Endpoint.direct(secondAddress()));
    }

    @Test
    void whenNoAddressWorksRequestsWaitAndTheSessionComesBackWhenOneDoes() throws Exception {
        ParleyClient alice = signedIn("alice", primaryAddress());
        second.close();
        primary.close();
        CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> alice.keyPackages().remaining(alice.session()));
        Thread.sleep(1_000); // a few rounds fail and back off meanwhile
        assertThat(waiting).as("a request waits for a connection up to its timeout").isNotDone();
        try (TcpForwarder back = TcpForwarder.open(primary.address(), new InetSocketAddress("127.0.0.1", server.address().port()))) {
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(5);
            assertThat(alice.session().address()).isEqualTo(primaryAddress());
        }
    }
}
