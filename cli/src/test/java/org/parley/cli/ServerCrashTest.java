package org.parley.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreHarness;
import org.parley.server.testing.TestClient;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Durability of acknowledgements: `parley server` runs as its own JVM; a burst of 10,000 sends is cut by
 * `kill -9` (SIGKILL) once acknowledgements are flowing; after a restart on the same data, the
 * recipient receives every acknowledged message (exactly once after deduplication by the message
 * id inside the payload) and nothing that was never sent.
 */
@Tag("crash")
class ServerCrashTest {
    private static final int BURST = 10_000;
    private static final int KILL_AFTER_ACKS = 200;

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
        bob.close();

        Set<String> sent = SendBurst.send(alice, bob, BURST);
        Set<String> acknowledged = new HashSet<>();
        while (acknowledged.size() < KILL_AFTER_ACKS) {
            ServerFrame answer = alice.awaitFrame(f -> f.hasSendAccepted() || f.hasError());
            assertThat(answer.hasError()).as("%s", answer).isFalse();
            acknowledged.add(SendBurst.acceptedId(answer));
        }
        first.process.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // Acknowledgements that were already on their way count too.
        ServerFrame late;
        while ((late = alice.pollFrame(ServerFrame::hasSendAccepted, java.time.Duration.ofMillis(200))) != null) {
            acknowledged.add(SendBurst.acceptedId(late));
        }

        ServerProcess second = started.start(data, db);
        TestClient bobAgain = started.connect(second.port);
        assertThat(bobAgain.authenticateAs(bob).hasAuthenticated()).isTrue();
        List<String> delivered = SendBurst.receiveAll(bobAgain);
        Set<String> seen = new HashSet<>(delivered); // the client's deduplication by message id
        System.out.printf("crash test (%s): %d sent, %d acknowledged before kill -9, %d delivered after restart, %d distinct%n",
                backend, BURST, acknowledged.size(), delivered.size(), seen.size());
        assertThat(seen).containsAll(acknowledged);
        assertThat(sent).containsAll(seen);
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(KILL_AFTER_ACKS);
    }
}
