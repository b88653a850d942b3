package org.parley.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.testkit.TempProfiles;

import java.nio.file.Path;
import java.util.List;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `parley call` across nodes: two `parley server --bus` processes over one PostgreSQL schema and a
 * NATS cluster; alice is registered on node 0, bob on node 1, and alice calls bob with a WAV file.
 * Each joins the relay of the node the client is connected to, over the WebSocket (the nodes'
 * UDP relays off) or over UDP, and bob's recording matches what alice sent. Skipped without
 * PostgreSQL or nats-server.
 */
@Tag("realtime")
class SeveralNodesCallCommandsTest {
    private static final int SECONDS = 3;
    @TempDir
    Path temp;
    @RegisterExtension
    final StartedServers started = new StartedServers();
    private ServerNodeProcesses nodes;

    @AfterEach
    void stop() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void aCallFromOneNodeToAnotherOverTheWebSocketsCarriesTheAudio() throws Exception {
        callAcrossNodes(node -> List.of(), "tcp");
    }

    @Test
    void aCallFromOneNodeToAnotherOverUdpCarriesTheAudio() throws Exception {
        int[] mediaPorts = ServerNodeProcesses.freeUdpPorts(2);
        callAcrossNodes(node -> List.of("--media-port", String.valueOf(mediaPorts[node])), "udp");
    }

    private void callAcrossNodes(IntFunction<List<String>> nodeOptions, String transport) throws Exception {
        nodes = ServerNodeProcesses.start(temp, started, 2, nodeOptions);
        UserCommands users = new UserCommands(new TempProfiles(temp));
        users.ok("alice", "register", "alice", "--server", nodes.url(0));
        users.ok("bob", "register", "bob", "--server", nodes.url(1));
        users.ok("alice", "send", "bob", "hi");
        users.ok("bob", "accept", "alice");

        double correlation = WavCall.callAndCompare(users, temp, "alice", "bob", transport, SECONDS);
        long crossed = nodes.metric(1, "parley_relay_frames_from_other_nodes_total");
        System.out.printf("several nodes: a call from node 0 to node 1 over %s, correlation %.3f, %d frames from node 0 at node 1%n",
                transport, correlation, crossed);
        assertThat(crossed).as("alice's audio reached bob's node from hers").isGreaterThanOrEqualTo(WavCall.framesOf(SECONDS) * 9 / 10);
    }
}
