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
import org.parley.server.storage.Backend;
import org.parley.server.storage.StoreHarness;
import org.parley.server.testing.TestClient;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Durability of acknowledgements: `parley server` runs as its own JVM; a burst of 10,000 sends is cut by
 * `kill -9` (SIGKILL) once acknowledgements are flowing; after a restart on the same data, the
 * recipient receives every acknowledged message (exactly once after deduplication by the message
 * id inside the payload) and nothing that was never sent.
 */
class ServerCrashTest {
    private static final Pattern LISTENING = Pattern.compile("listening on ws://127\\.0\\.0\\.1:(\\d+)/v1/ws");
    private static final int BURST = 10_000;
    private static final int KILL_AFTER_ACKS = 200;

    @TempDir
    Path tempDir;
    private final List<Process> processes = new ArrayList<>();
    private final List<TestClient> clients = new ArrayList<>();
    private StoreHarness harness;

    @AfterEach
    void cleanUp() {
        clients.forEach(TestClient::close);
        processes.forEach(Process::destroyForcibly);
        if (harness != null) {
            harness.close();
        }
    }

    @ParameterizedTest
    @MethodSource("org.parley.server.storage.Backend#all")
    void everyAcknowledgedSendSurvivesKillMinusNine(Backend backend) throws Exception {
        harness = StoreHarness.open(backend, tempDir); // creates the PostgreSQL schema, or skips
        Path data = tempDir.resolve("server-data");
        String db = backend == Backend.SQLITE ? "sqlite:" + data.resolve("parley.db") : harness.config().url().jdbcUrl();

        Process first = startServer(data, db);
        int port = awaitPort(first);
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
        first.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // Acknowledgements that were already on their way count too.
        ServerFrame late;
        while ((late = alice.pollFrame(ServerFrame::hasSendAccepted, java.time.Duration.ofMillis(200))) != null) {
            acknowledged.add(HexFormat.of().formatHex(late.getSendAccepted().getMessageId().toByteArray()));
        }

        Process second = startServer(data, db);
        TestClient bobAgain = connect(awaitPort(second));
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

    private Process startServer(Path data, String db) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "server", "--listen", "127.0.0.1:0", "--data", data.toString(), "--db", db)
                .redirectError(tempDir.resolve("server-" + processes.size() + ".err").toFile());
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    private static int awaitPort(Process process) throws Exception {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (java.io.IOException ended) {
                // the process was killed
            }
        });
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line != null) {
                Matcher match = LISTENING.matcher(line);
                if (match.find()) {
                    return Integer.parseInt(match.group(1));
                }
            }
            if (!process.isAlive()) {
                throw new AssertionError("parley server exited with " + process.exitValue());
            }
        }
        throw new AssertionError("parley server did not report its address within 60 s");
    }

    private TestClient connect(int port) throws Exception {
        TestClient client = TestClient.connect(port);
        clients.add(client);
        return client;
    }
}
