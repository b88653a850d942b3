package org.parley.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.testkit.TempProfiles;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several nodes as users meet them, with the `parley` command: two `parley server --bus` processes
 * over one PostgreSQL schema and a three-server NATS cluster, both announcing both addresses as
 * alternates. Alice's home is node A and bob's node B; they talk across the nodes. Node A is killed
 * with `kill -9`; alice's next send goes to node B by itself (the alternate her client pinned at
 * registration), and bob gets every message exactly once. Skipped without PostgreSQL or nats-server.
 */
class SeveralNodesCommandsTest {
    private static final Duration MOVE_WITHIN = Duration.ofSeconds(10);

    @TempDir
    Path temp;
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
    void usersOnTwoNodesTalkAndTheSurvivorTakesOverWhenOneIsKilled() throws Exception {
        // Every node announces the same list, all nodes in it: a client replaces the list it holds by the
        // newest announcement, whichever node made it.
        nodes = ServerNodeProcesses.start(temp, started, 2, node -> List.of()); // skips without PostgreSQL or nats-server
        String nodeA = nodes.url(0);
        String nodeB = nodes.url(1);
        UserCommands users = new UserCommands(new TempProfiles(temp));
        users.ok("alice", "register", "alice", "--server", nodeA);
        users.ok("bob", "register", "bob", "--server", nodeB);

        users.ok("alice", "send", "bob", "across the nodes");
        assertThat(users.ok("bob", "receive").out()).contains("Message request from alice");
        users.ok("bob", "accept", "alice");
        assertThat(users.ok("bob", "receive").out()).contains("alice → bob: across the nodes");
        users.ok("bob", "send", "alice", "and back");
        assertThat(users.ok("alice", "receive").out()).contains("bob → alice: and back");

        assertThat(users.ok("alice", "servers").out()).as("alice's client learnt node B at registration")
                .contains(nodeB + "  announced by the server");
        nodes.node(0).process.destroyForcibly(); // kill -9 of alice's home node
        assertThat(nodes.node(0).process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();
        users.ok("alice", "send", "bob", "after the crash");
        Duration moved = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("several nodes (commands): alice's send went to node B %d ms after node A died%n", moved.toMillis());
        assertThat(moved).as("the client moved to the surviving node").isLessThan(MOVE_WITHIN);
        assertThat(users.ok("alice", "servers").out()).contains(nodeB + "  announced by the server  (worked last)");

        String received = users.ok("bob", "receive").out();
        assertThat(count(received, "after the crash")).as(received).isEqualTo(1);
        assertThat(count(received, "across the nodes")).as("nothing shown twice: %s", received).isZero();
    }

    private static long count(String text, String phrase) {
        return Pattern.compile(Pattern.quote(phrase)).matcher(text).results().count();
    }
}
