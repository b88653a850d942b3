package org.parley.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.testkit.TempProfiles;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.testing.TestClient;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `parley server` as an operator runs it: from a settings file, with JSON logs, stopped by SIGTERM under
 * load, restarted while a client stays up.
 */
class ServerOperationsTest {
    private static final String TOKEN = "operations-metrics-token-0123456789";
    private static final int BURST = 10_000;
    private static final int SIGTERM_AFTER_ACKS = 200;

    @TempDir
    Path tempDir;
    @RegisterExtension
    final StartedServers started = new StartedServers();

    @Test
    void aSettingsFileConfiguresTheServerAndJsonLogsCarryNoSecret() throws Exception {
        Path settings = tempDir.resolve("parley.toml");
        Files.writeString(settings, "log-format = \"json\"\ninvite-only = true\nmetrics-token = \"" + TOKEN + "\"\n");
        Path data = tempDir.resolve("data");
        ServerProcess server = start(data, "--config", settings.toString());
        TestClient stranger = started.connect(server.port);
        ServerFrame refused = stranger.register("mallory", null, null);
        assertThat(refused.hasError()).as("invite-only came from the file: %s", refused).isTrue();
        String base = "http://127.0.0.1:" + server.port;
        assertThat(get(base + "/metrics", "Bearer wrong-" + TOKEN).statusCode()).isEqualTo(401);
        assertThat(get(base + "/metrics", "Bearer " + TOKEN).statusCode()).as("the token came from the file").isEqualTo(200);
        assertThat(get(base + "/readyz", null).body()).startsWith("ready\n");
        server.process.destroy(); // SIGTERM
        assertThat(server.process.waitFor(30, TimeUnit.SECONDS)).isTrue();

        ObjectMapper json = new ObjectMapper();
        List<String> messages = new ArrayList<>();
        for (String line : server.log().lines().filter(line -> !line.isBlank()).toList()) {
            JsonNode entry = json.readTree(line); // throws unless each line is one JSON object
            assertThat(entry.isObject()).as(line).isTrue();
            assertThat(entry.get("level").asText()).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
            messages.add(entry.get("formattedMessage").asText());
        }
        assertThat(messages).anyMatch(message -> message.startsWith("listening on 127.0.0.1:"))
                .contains("stopped");
        assertThat(server.log()).doesNotContain(TOKEN).doesNotContain("mallory");
    }

    @Test
    void sigtermUnderLoadLosesNoAcknowledgedSendAndSaysReconnect() throws Exception {
        Path data = tempDir.resolve("server-data");
        ServerProcess first = start(data);
        TestClient alice = started.connect(first.port);
        assertThat(alice.register("alice", null, null).hasAuthenticated()).isTrue();
        TestClient bob = started.connect(first.port);
        assertThat(bob.register("bob", null, null).hasAuthenticated()).isTrue();
        bob.close();

        Set<String> sent = SendBurst.send(alice, bob, BURST).keySet();
        Set<String> acknowledged = new HashSet<>();
        int busy = 0;
        boolean terminated = false;
        ServerFrame answer;
        while ((answer = alice.pollFrame(f -> f.hasSendAccepted() || f.hasError(), Duration.ofSeconds(5))) != null) {
            if (answer.hasError()) {
                // Sends that arrive once the drain began are refused as "busy, retry": answered, not lost.
                assertThat(answer.getError().getCode()).as("%s", answer).isEqualTo(ErrorCode.RATE_LIMITED);
                busy++;
            } else {
                acknowledged.add(SendBurst.acceptedId(answer));
            }
            if (!terminated && acknowledged.size() >= SIGTERM_AFTER_ACKS) {
                first.process.destroy(); // SIGTERM while sends are queued
                terminated = true;
            }
        }
        assertThat(terminated).as("%d acknowledged before the answers stopped", acknowledged.size()).isTrue();
        assertThat(alice.awaitClosed()).as("close code 1012: service restart, reconnect").isEqualTo(1012);
        assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(first.log()).contains("drained: every queued send is stored and answered").contains("stopped");

        ServerProcess second = start(data);
        TestClient bobAgain = started.connect(second.port);
        assertThat(bobAgain.authenticateAs(bob).hasAuthenticated()).isTrue();
        Set<String> delivered = new HashSet<>(SendBurst.receiveAll(bobAgain));
        System.out.printf("SIGTERM test: %d sent, %d acknowledged, %d refused as busy during the drain, %d delivered after restart%n",
                BURST, acknowledged.size(), busy, delivered.size());
        assertThat(delivered).containsAll(acknowledged);
        assertThat(sent).containsAll(delivered);
    }

    @Test
    void aDaemonReconnectsByItselfAfterTheServerRestarts() throws Exception {
        Path data = tempDir.resolve("restart-data");
        String db = "sqlite:" + data.resolve("parley.db");
        ServerProcess first = started.start(data, db);
        String url = "http://127.0.0.1:" + first.port;
        UserCommands users = new UserCommands(new TempProfiles(tempDir.resolve("profiles")));
        users.ok("alice", "register", "alice", "--server", url);
        users.ok("bob", "register", "bob", "--server", url);
        users.ok("alice", "send", "bob", "hello");
        users.ok("bob", "accept", "alice"); // a first message is a request; the daemon should see plain messages

        PipedOutputStream requests = new PipedOutputStream();
        DaemonCommand.input = new PipedInputStream(requests);
        StringWriter out = new StringWriter();
        Thread daemon = new Thread(() -> Main.run(new String[] {"--profile", tempDir.resolve("profiles/bob").toString(), "daemon",
                "--jsonrpc"}, new PrintWriter(out, true), new PrintWriter(new StringWriter(), true)));
        daemon.start();
        try {
            users.ok("alice", "send", "bob", "before the restart");
            awaitContains(out, "before the restart");

            first.process.destroy(); // SIGTERM: the daemon's connection is closed with 1012
            assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            started.startOn(first.port, data, db);
            users.ok("alice", "send", "bob", "after the restart");
            awaitContains(out, "after the restart"); // the daemon reconnected without being told to
        } finally {
            requests.close();
            daemon.join(20_000);
            DaemonCommand.input = null;
        }
    }

    private static void awaitContains(StringWriter out, String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!out.toString().contains(text)) {
            assertThat(System.nanoTime()).as("the daemon did not print '%s'; it printed: %s", text, out).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private ServerProcess start(Path data, String... options) throws Exception {
        return started.start(data, "sqlite:" + data.resolve("parley.db"), options);
    }

    private static HttpResponse<String> get(String url, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
