package org.parley.cli;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreHarness;
import org.parley.server.testing.TestClient;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
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
class ServerCrashTest {
    private static final int BURST = 10_000;
    private static final int KILL_AFTER_ACKS = 200;

    @TempDir
    Path tempDir;
    private final List<ServerProcess> servers = new ArrayList<>();
    private final List<TestClient> clients = new ArrayList<>();
    private StoreHarness harness;

    @AfterEach
    void cleanUp() {
        clients.forEach(TestClient::close);
        servers.forEach(ServerProcess::close);
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

        ServerProcess first = start(data, db);
        int port = first.port;
        TestClient alice = connect(port);
        assertThat(alice.register("alice", null, null).hasAuthenticated()).isTrue();
        TestClient bob = connect(port);
        assertThat(bob.register("bob", null, null).hasAuthenticated()).isTrue();
        bob.close();

        SecureRandom random = new SecureRandom();
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < BURST; i++) {
            byte[] messageId = new byte[16];
            random.nextBytes(messageId);
            sent.add(HexFormat.of().formatHex(messageId));
            // The recipient's deduplication id travels inside the (here unencrypted) payload.
            byte[] payload = new byte[256];
            System.arraycopy(messageId, 0, payload, 0, 16);
            alice.send(ClientFrame.newBuilder().setRequestId(1_000 + i).setSend(Send.newBuilder()
                    .setMessageId(ByteString.copyFrom(messageId)).setPayload(ByteString.copyFrom(payload))
                    .addRecipients(RecipientAccount.newBuilder().setAccountId(ByteString.copyFrom(bob.accountId))
                            .addDeviceIds(ByteString.copyFrom(bob.deviceId)))).build());
        }
        Set<String> acknowledged = new HashSet<>();
        while (acknowledged.size() < KILL_AFTER_ACKS) {
            ServerFrame answer = alice.awaitFrame(f -> f.hasSendAccepted() || f.hasError());
            assertThat(answer.hasError()).as("%s", answer).isFalse();
            acknowledged.add(HexFormat.of().formatHex(answer.getSendAccepted().getMessageId().toByteArray()));
        }
        first.process.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // Acknowledgements that were already on their way count too.
        ServerFrame late;
        while ((late = alice.pollFrame(ServerFrame::hasSendAccepted, java.time.Duration.ofMillis(200))) != null) {
            acknowledged.add(HexFormat.of().formatHex(late.getSendAccepted().getMessageId().toByteArray()));
        }

        ServerProcess second = start(data, db);
        TestClient bobAgain = connect(second.port);
        assertThat(bobAgain.authenticateAs(bob).hasAuthenticated()).isTrue();
        List<String> delivered = new ArrayList<>();
        while (true) {
            ServerFrame frame = bobAgain.awaitFrame(f -> f.hasDeliver() || f.hasMailboxDrained());
            if (frame.hasMailboxDrained()) {
                break;
            }
            delivered.add(HexFormat.of().formatHex(frame.getDeliver().getPayload().substring(0, 16).toByteArray()));
        }
        Set<String> seen = new HashSet<>(delivered); // the client's deduplication by message id
        System.out.printf("crash test (%s): %d sent, %d acknowledged before kill -9, %d delivered after restart, %d distinct%n",
                backend, BURST, acknowledged.size(), delivered.size(), seen.size());
        assertThat(seen).containsAll(acknowledged);
        assertThat(sent).containsAll(seen);
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(KILL_AFTER_ACKS);
    }

    private ServerProcess start(Path data, String db) throws Exception {
        ServerProcess server = ServerProcess.start(data, db, tempDir.resolve("server-" + servers.size() + ".err"));
        servers.add(server);
        return server;
    }

    private TestClient connect(int port) throws Exception {
        TestClient client = TestClient.connect(port);
        clients.add(client);
        return client;
    }
}
