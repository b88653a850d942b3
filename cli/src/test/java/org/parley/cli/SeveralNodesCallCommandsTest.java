package org.parley.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.testkit.TempProfiles;
import org.parley.media.audio.Signals;
import org.parley.media.audio.WavFiles;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `parley call` across nodes: two `parley server --bus` processes over one PostgreSQL schema and a
 * NATS cluster; alice is registered on node 0, bob on node 1, and alice calls bob with a WAV file.
 * Each joins the relay of the node the client is connected to, over the WebSocket (the nodes'
 * UDP relays off) or over UDP, and bob's recording matches what alice sent. Skipped without
 * PostgreSQL or nats-server. And when alice's node dies mid-call, her client moves to bob's node
 * and the call goes on.
 */
@Tag("realtime")
class SeveralNodesCallCommandsTest {
    private static final int SECONDS = 3;
    private static final String FROM_OTHER_NODES = "parley_relay_frames_from_other_nodes_total";
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

    /**
     * Alice's node dies (kill -9) in the middle of her call with bob on the other node: her client
     * reconnects to bob's node (an address the nodes announced), asks it for a new token and joins
     * its relay, and bob goes on hearing her.
     */
    @Test
    void whenTheCallersNodeIsKilledMidCallHerClientMovesToTheOtherNodeAndTheCallGoesOn() throws Exception {
        nodes = ServerNodeProcesses.start(temp, started, 2, node -> List.of());
        UserCommands users = usersOnNodeZeroAndOne();
        Path said = temp.resolve("said.wav");
        WavFiles.write(said, Signals.speechLike(12, 7));
        CompletableFuture<MainTest.Result> calling = CompletableFuture.supplyAsync(
                () -> users.as("alice", "call", "bob", "--send-audio", said.toString()));
        CompletableFuture<MainTest.Result> answering = CompletableFuture.supplyAsync(
                () -> users.as("bob", "answer", "--record", temp.resolve("heard.wav").toString(), "--duration", "60"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (nodes.metric(1, FROM_OTHER_NODES) < WavCall.framesOf(1)) {
            assertThat(System.nanoTime()).as("alice's audio reaches bob's node").isLessThan(deadline);
            Thread.sleep(100);
        }
        long beforeTheKill = nodes.metric(1, FROM_OTHER_NODES);
        nodes.node(0).process.destroyForcibly();
        assertThat(nodes.node(0).process.waitFor(30, TimeUnit.SECONDS)).isTrue();

        MainTest.Result call = calling.get(120, TimeUnit.SECONDS);
        MainTest.Result answer = answering.get(120, TimeUnit.SECONDS);
        assertThat(call.code()).as("call: %s", call.err()).isZero();
        assertThat(answer.code()).as("answer: %s", answer.err()).isZero();
        assertThat(call.out()).contains("re-joined the relay");
        Matcher received = Pattern.compile("frames sent 0, received (\\d+)").matcher(answer.out());
        assertThat(received.find()).as(answer.out()).isTrue();
        long afterTheKill = Long.parseLong(received.group(1)) - beforeTheKill;
        System.out.printf("several nodes: alice's node killed mid-call; bob heard %d frames through it, %d after she moved%n",
                beforeTheKill, afterTheKill);
        assertThat(afterTheKill).as("what bob heard of alice after her node died").isGreaterThanOrEqualTo(WavCall.framesOf(3));
    }

    private UserCommands usersOnNodeZeroAndOne() {
        UserCommands users = new UserCommands(new TempProfiles(temp));
        users.ok("alice", "register", "alice", "--server", nodes.url(0));
        users.ok("bob", "register", "bob", "--server", nodes.url(1));
        users.ok("alice", "send", "bob", "hi");
        users.ok("bob", "accept", "alice");
        return users;
    }

    private void callAcrossNodes(IntFunction<List<String>> nodeOptions, String transport) throws Exception {
        nodes = ServerNodeProcesses.start(temp, started, 2, nodeOptions);
        UserCommands users = usersOnNodeZeroAndOne();
        double correlation = WavCall.callAndCompare(users, temp, "alice", "bob", transport, SECONDS);
        long crossed = nodes.metric(1, FROM_OTHER_NODES);
        System.out.printf("several nodes: a call from node 0 to node 1 over %s, correlation %.3f, %d frames from node 0 at node 1%n",
                transport, correlation, crossed);
        assertThat(crossed).as("alice's audio reached bob's node from hers").isGreaterThanOrEqualTo(WavCall.framesOf(SECONDS) * 9 / 10);
    }
}
