package org.parley.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.v1.Ack;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreHarness;
import org.parley.server.testing.TestClient;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Durability of acknowledgements while pushes run ahead of commits: `parley server` runs as its own
 * JVM; a burst of 10,000 sends goes to a recipient that is connected, so the server pushes each copy
 * before the fsync of its batch, and the recipient acknowledges what it gets as a client does. Once
 * acknowledgements flow, `kill -9` (SIGKILL) cuts the server, most likely with a batch pushed and not
 * committed. After a restart on the same data the sender sends again everything it never got
 * SendAccepted for, as a client does, and the recipient reconnects. Its view, deduplicated by the
 * message id inside each payload, holds every message exactly once, and no envelope id it saw
 * before the crash names another message after it: a client that trusts an envelope id it has seen
 * (the Java client's replay check) is never misled.
 */
@Tag("crash")
class ServerCrashTest {
    /**
     * Under the default mailbox limit (10,000 copies a device) with room to spare: what the kill
     * leaves stored but unanswered (its SendAccepted lost, so sent again) and copies whose
     * recipient's acknowledgement the kill lost are in the mailbox beside the resends; a burst of
     * 10,000 once met the limit on a resend (MAILBOX_FULL, rightly).
     */
    private static final int BURST = 9_000;
    private static final int KILL_AFTER_ACKS = 200;
    private static final Duration QUICK = Duration.ofMillis(1);

    @TempDir
    Path tempDir;
    @RegisterExtension
    final StartedServers started = new StartedServers();
    private StoreHarness harness;

    @AfterEach
    void cleanUp() {
        if (harness != null) {
            harness.close();
        }
    }

    /** What the recipient saw: each Deliver's envelope id and the message id inside it, in arrival order. */
    private record Seen(long envelopeId, String messageId) {
    }

    @ParameterizedTest
    @MethodSource("org.parley.server.testing.Backend#all")
    void everyAcknowledgedSendSurvivesKillMinusNine(Backend backend) throws Exception {
        harness = StoreHarness.open(backend, tempDir); // creates the PostgreSQL schema, or skips
        Path data = tempDir.resolve("server-data");
        String db = backend == Backend.SQLITE ? "sqlite:" + data.resolve("parley.db") : harness.config().url().jdbcUrl();

        ServerProcess first = started.start(data, db);
        int port = first.port;
        TestClient alice = started.connect(port);
        assertThat(alice.register("alice", null, null).hasAuthenticated()).isTrue();
        TestClient bob = started.connect(port);
        assertThat(bob.register("bob", null, null).hasAuthenticated()).isTrue();

        Map<String, Send> sent = SendBurst.send(alice, bob, BURST);
        Set<String> acknowledged = new HashSet<>();
        List<Seen> beforeCrash = new ArrayList<>();
        // Kill once acknowledgements flow and the recipient holds copies whose sender has not heard
        // SendAccepted yet: pushed ahead of their commit, which the kill may undo.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (acknowledged.size() < KILL_AFTER_ACKS || aheadOf(acknowledged, beforeCrash) == 0) {
            assertThat(System.nanoTime()).as("the recipient got a copy before its sender's SendAccepted").isLessThan(deadline);
            ServerFrame answer = alice.pollFrame(f -> f.hasSendAccepted() || f.hasError(), QUICK);
            if (answer != null) {
                assertThat(answer.hasError()).as("%s", answer).isFalse();
                acknowledged.add(SendBurst.acceptedId(answer));
            }
            receive(bob, beforeCrash, true);
        }
        long aheadAtKill = aheadOf(acknowledged, beforeCrash);
        first.process.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // Acknowledgements and deliveries that were already on their way count too.
        ServerFrame late;
        while ((late = alice.pollFrame(ServerFrame::hasSendAccepted, Duration.ofMillis(200))) != null) {
            acknowledged.add(SendBurst.acceptedId(late));
        }
        while (receive(bob, beforeCrash, false)) {
            // until nothing more arrives
        }
        long neverAcknowledged = aheadOf(acknowledged, beforeCrash);

        ServerProcess second = started.start(data, db);
        TestClient aliceAgain = started.connect(second.port);
        assertThat(aliceAgain.authenticateAs(alice).hasAuthenticated()).isTrue();
        int resent = 0;
        for (Map.Entry<String, Send> send : sent.entrySet()) {
            if (!acknowledged.contains(send.getKey())) { // a client sends again what it never got SendAccepted for
                aliceAgain.send(ClientFrame.newBuilder().setRequestId(100_000 + resent++).setSend(send.getValue()).build());
            }
        }
        for (int i = 0; i < resent; i++) {
            ServerFrame answer = aliceAgain.awaitFrame(f -> f.hasSendAccepted() || f.hasError());
            assertThat(answer.hasError()).as("%s", answer).isFalse();
        }
        TestClient bobAgain = started.connect(second.port);
        assertThat(bobAgain.authenticateAs(bob).hasAuthenticated()).isTrue();
        List<Seen> afterRestart = new ArrayList<>();
        while (true) {
            ServerFrame frame = bobAgain.awaitFrame(f -> f.hasDeliver() || f.hasMailboxDrained());
            if (frame.hasMailboxDrained()) {
                break;
            }
            afterRestart.add(seen(frame));
        }

        // The recipient's view: each message once, by the id inside it, whichever copy came first.
        Map<String, Long> view = new LinkedHashMap<>();
        Stream.concat(beforeCrash.stream(), afterRestart.stream()).forEach(seen -> view.merge(seen.messageId(), 1L, Long::sum));
        System.out.printf("crash test (%s): %d sent, %d acknowledged before kill -9, %d delivered before it (%d of them ahead of "
                        + "their SendAccepted at the kill, %d never acknowledged), %d sent again, %d delivered after restart, "
                        + "%d in the view%n",
                backend, BURST, acknowledged.size(), beforeCrash.size(), aheadAtKill, neverAcknowledged, resent, afterRestart.size(), view.size());
        assertThat(view.keySet()).containsAll(acknowledged);
        assertThat(view.keySet()).as("every message, and nothing that was never sent").isEqualTo(sent.keySet());
        assertThat(beforeCrash).as("the recipient got mail while the burst ran").isNotEmpty();

        Map<Long, String> messageOfEnvelope = new HashMap<>();
        beforeCrash.forEach(seen -> assertThat(messageOfEnvelope.put(seen.envelopeId(), seen.messageId())).isNull());
        long highestBefore = beforeCrash.stream().mapToLong(Seen::envelopeId).max().orElseThrow();
        for (Seen seen : afterRestart) {
            String before = messageOfEnvelope.get(seen.envelopeId());
            if (before != null) {
                assertThat(seen.messageId()).as("envelope %d names one message", seen.envelopeId()).isEqualTo(before);
            } else {
                assertThat(seen.envelopeId()).as("a copy the recipient never saw comes under a new id").isGreaterThan(highestBefore);
            }
        }
    }

    /** How many copies the recipient holds whose sender has not heard SendAccepted. */
    private static long aheadOf(Set<String> acknowledged, List<Seen> received) {
        return received.stream().filter(seen -> !acknowledged.contains(seen.messageId())).count();
    }

    /** Takes the Deliver frames that arrived, acknowledging each (posted) if asked; false when none arrived. */
    private static boolean receive(TestClient device, List<Seen> into, boolean acknowledge) throws InterruptedException {
        boolean any = false;
        ServerFrame frame;
        while ((frame = device.pollFrame(ServerFrame::hasDeliver, any ? QUICK : Duration.ofMillis(acknowledge ? 1 : 200))) != null) {
            any = true;
            into.add(seen(frame));
            if (acknowledge) {
                device.send(ClientFrame.newBuilder().setAck(Ack.newBuilder().addEnvelopeIds(frame.getDeliver().getEnvelopeId())).build());
            }
        }
        return any;
    }

    private static Seen seen(ServerFrame deliver) {
        return new Seen(deliver.getDeliver().getEnvelopeId(),
                HexFormat.of().formatHex(deliver.getDeliver().getPayload().substring(0, 16).toByteArray()));
    }
}
