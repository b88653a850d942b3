package org.parley.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.parley.protocol.v1.Ack;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.testing.TestClient;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two `parley server` processes with {@code --bus} over one PostgreSQL schema and three routed
 * {@code nats-server} processes. Alice signs in on node A and bob on node B; a message from alice
 * is pushed to bob by B at once. Then a burst of sends from alice, and `kill -9` of node A once
 * acknowledgements flow: alice reconnects to B (as a client with two server addresses does), sends
 * again what was never acknowledged, and bob, who stayed on B throughout, finally reconnects and
 * drains his mailbox as a client does after any reconnect. Bob's view, deduplicated by message id,
 * holds every message exactly once, every acknowledged one among them. Skipped without PostgreSQL
 * or {@code nats-server}.
 */
@Tag("crash")
class SeveralNodesCrashTest {
    private static final int BURST = 2_000;
    private static final int KILL_AFTER_ACKS = 200;
    private static final Duration AT_ONCE = Duration.ofSeconds(3);
    private static final Duration MOVE_WITHIN = Duration.ofSeconds(10);

    @TempDir
    Path tempDir;
    @RegisterExtension
    final StartedServers started = new StartedServers();
    private ServerNodeProcesses nodes;

    @AfterEach
    void cleanUp() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void aNodeKilledMidBurstLosesNothingAcknowledgedAndItsClientsMoveToTheOther() throws Exception {
        // The SDK clients here move by hand, so the nodes announce no alternates. Skips without PostgreSQL or nats-server.
        nodes = ServerNodeProcesses.start(tempDir, started, 2, false, node -> List.of());
        ServerProcess nodeA = nodes.node(0);
        ServerProcess nodeB = nodes.node(1);
        assertThat(nodeB.log()).contains("message bus: NATS at nats://127.0.0.1:").contains("as node node-1");

        TestClient alice = started.connect(nodeA.port);
        assertThat(alice.register("alice", null, null).hasAuthenticated()).isTrue();
        TestClient bob = started.connect(nodeB.port);
        assertThat(bob.register("bob", null, null).hasAuthenticated()).isTrue();
        bob.awaitFrame(ServerFrame::hasMailboxDrained);

        Map<String, Send> first = SendBurst.send(alice, bob, 1);
        long start = System.nanoTime();
        ServerFrame pushed = bob.awaitFrame(ServerFrame::hasDeliver, AT_ONCE);
        System.out.printf("several nodes (processes): pushed by node B %.1f ms after node A took the send%n",
                (System.nanoTime() - start) / 1e6);
        assertThat(first).containsKey(messageId(pushed));
        assertThat(alice.awaitFrame(f -> f.hasSendAccepted() || f.hasError()).hasSendAccepted()).isTrue();
        bob.send(ack(pushed));

        Map<String, Send> sent = new HashMap<>(first);
        sent.putAll(SendBurst.send(alice, bob, BURST));
        Set<String> acknowledged = new HashSet<>(first.keySet());
        List<String> seen = new ArrayList<>(List.of(messageId(pushed)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (acknowledged.size() < KILL_AFTER_ACKS || seen.size() < KILL_AFTER_ACKS / 2) {
            assertThat(System.nanoTime()).as("acknowledgements on A and pushes on B flow").isLessThan(deadline);
            ServerFrame answer = alice.pollFrame(f -> f.hasSendAccepted() || f.hasError(), Duration.ofMillis(1));
            if (answer != null) {
                assertThat(answer.hasError()).as("%s", answer).isFalse();
                acknowledged.add(SendBurst.acceptedId(answer));
            }
            receive(bob, seen, Duration.ofMillis(1));
        }
        nodeA.process.destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye to alice
        assertThat(nodeA.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        ServerFrame late;
        while ((late = alice.pollFrame(ServerFrame::hasSendAccepted, Duration.ofMillis(200))) != null) {
            acknowledged.add(SendBurst.acceptedId(late));
        }

        long moving = System.nanoTime();
        TestClient aliceOnB = started.connect(nodeB.port);
        assertThat(aliceOnB.authenticateAs(alice).hasAuthenticated()).isTrue();
        Duration moved = Duration.ofNanos(System.nanoTime() - moving);
        assertThat(moved).as("alice signed in on the surviving node").isLessThan(MOVE_WITHIN);
        int resent = 0;
        for (Map.Entry<String, Send> send : sent.entrySet()) {
            if (!acknowledged.contains(send.getKey())) {
                aliceOnB.send(ClientFrame.newBuilder().setRequestId(100_000 + resent++).setSend(send.getValue()).build());
            }
        }
        for (int i = 0; i < resent; i++) {
            ServerFrame answer = aliceOnB.awaitFrame(f -> f.hasSendAccepted() || f.hasError());
            assertThat(answer.hasError()).as("%s", answer).isFalse();
        }
        receive(bob, seen, Duration.ofMillis(500));
        bob.close();
        TestClient bobAgain = started.connect(nodeB.port);
        assertThat(bobAgain.authenticateAs(bob).hasAuthenticated()).isTrue();
        seen.addAll(SendBurst.receiveAll(bobAgain));

        Set<String> view = new LinkedHashSet<>(seen);
        System.out.printf("several nodes (processes): %d sent, %d acknowledged before kill -9 of node A, alice on node B after "
                        + "%d ms, %d sent again, %d deliveries to bob, %d in his view%n",
                sent.size(), acknowledged.size(), moved.toMillis(), resent, seen.size(), view.size());
        assertThat(view).containsAll(acknowledged);
        assertThat(view).as("every message once in bob's view, nothing never sent").isEqualTo(sent.keySet());
    }

    /** Takes the Deliver frames that arrived, acknowledging each as a client does. */
    private static void receive(TestClient device, List<String> into, Duration firstWait) throws InterruptedException {
        ServerFrame frame;
        Duration wait = firstWait;
        while ((frame = device.pollFrame(ServerFrame::hasDeliver, wait)) != null) {
            into.add(messageId(frame));
            device.send(ack(frame));
            wait = Duration.ofMillis(1);
        }
    }

    private static ClientFrame ack(ServerFrame deliver) {
        return ClientFrame.newBuilder().setAck(Ack.newBuilder().addEnvelopeIds(deliver.getDeliver().getEnvelopeId())).build();
    }

    private static String messageId(ServerFrame deliver) {
        return HexFormat.of().formatHex(deliver.getDeliver().getPayload().substring(0, 16).toByteArray());
    }
}
