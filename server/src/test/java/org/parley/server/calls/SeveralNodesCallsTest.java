package org.parley.server.calls;

import com.google.protobuf.ByteString;
import io.nats.client.Connection;
import io.nats.client.Nats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.protocol.v1.CallToken;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.JoinCallOverWebSocket;
import org.parley.protocol.v1.MediaFrame;
import org.parley.protocol.v1.RequestCallToken;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.ServerTestBase;
import org.parley.server.testing.ServerNodes;
import org.parley.server.testing.TestClient;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Calls whose participants reached different nodes of one deployment (two nodes over one
 * PostgreSQL schema and a three-server NATS cluster, {@link ServerNodes}): each joins the relay of
 * its own node, over the WebSocket or UDP, and the relays pass the SFrame frames on between them.
 * Tokens and frames that do not belong are refused, and the nodes carry on. Skipped without
 * PostgreSQL ({@code PARLEY_TEST_POSTGRES}) or nats-server.
 */
class SeveralNodesCallsTest extends ServerTestBase {
    private static final int FRAMES = 30;
    private static final List<Integer> MEMBERS = List.of(0, 1);

    private final org.parley.media.packet.CallId mediaCallId = org.parley.media.packet.CallId.random(RANDOM);
    private final CallId call = new CallId(mediaCallId.high(), mediaCallId.low());
    private final ByteString callId = ByteString.copyFrom(call.toBytes());
    private final TestCallClient aliceMedia = new TestCallClient(mediaCallId, 0, MEMBERS, TestCallClient.EPOCH);
    private final TestCallClient bobMedia = new TestCallClient(mediaCallId, 1, MEMBERS, TestCallClient.EPOCH);
    private final List<TestClient> nodeClients = new ArrayList<>();
    private ServerNodes nodes;
    /** Alice is signed in on node A (0), bob on node B (1), each with a token for the call from that node. */
    private TestClient alice;
    private TestClient bob;
    private CallToken aliceToken;
    private CallToken bobToken;
    /** Node B's UDP relay. */
    private InetSocketAddress relayB;
    /** The SFrame counter of each sender: frames sent while the nodes find each other use some. */
    private int aliceSequence;
    private int bobSequence;

    @BeforeEach
    void aliceOnOneNodeAndBobOnTheOther() throws Exception {
        nodes = ServerNodes.start(tempDir, 2, testConfig());
        alice = registeredOn(0, "alice");
        bob = registeredOn(1, "bob");
        aliceToken = token(alice);
        bobToken = token(bob);
        relayB = nodes.node(1).mediaAddress().orElseThrow();
    }

    @AfterEach
    void stopNodes() {
        nodeClients.forEach(TestClient::close);
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void aCallerOnOneNodeOverTheWebSocketAndACalleeOnAnotherOverUdpHearEachOther() throws Exception {
        assertThat(bobToken.getUdpPort()).as("bob is told his own node's relay").isEqualTo(relayB.getPort());
        assertThat(bobToken.getUdpHost()).as("no --media-address: the host of his server URL").isEmpty();

        try (UdpTestEndpoint bobUdp = new UdpTestEndpoint(relayB)) {
            bobUdp.join(bobToken.getToken().toByteArray(), bobToken.getJoinKey().toByteArray(), relayB);
            assertThat(joinOverWebSocket(alice, aliceToken.getToken()).hasCallJoined()).isTrue();
            aliceReachesBob(bobUdp);
            // The probes that found the other node are media too: count only what comes after them.
            int mediaBefore = bobUdp.count(isMedia());

            List<String> fromAlice = new ArrayList<>();
            for (int i = 0; i < FRAMES; i++) {
                fromAlice.add("alice frame " + i);
                alice.send(aliceSays(fromAlice.get(i)));
            }
            assertThat(bobUdp.await(isMedia(), mediaBefore + FRAMES, TestClient.WAIT.toMillis())).isTrue();
            assertThat(texts(bobMedia.decryptAll(media(bobUdp.received())))).as("over UDP from node B")
                    .containsAll(fromAlice);

            List<String> fromBob = new ArrayList<>();
            for (int i = 0; i < FRAMES; i++) {
                fromBob.add("bob frame " + i);
                bobUdp.send(bobMedia.datagram(bobSequence++, fromBob.get(i).getBytes(StandardCharsets.UTF_8)));
            }
            List<byte[]> aliceReceived = new ArrayList<>();
            for (int i = 0; i < FRAMES; i++) {
                aliceReceived.add(RelayDatagram.media(alice.awaitFrame(ServerFrame::hasMediaFrame).getMediaFrame().getPayload().toByteArray()));
            }
            assertThat(texts(aliceMedia.decryptAll(aliceReceived))).as("over the WebSocket from node A")
                    .containsExactlyInAnyOrderElementsOf(fromBob);
            assertThat(counter(0, "relay_frames_from_other_nodes_total")).as("node A delivered bob's frames from node B")
                    .isGreaterThanOrEqualTo(FRAMES);
        }
    }

    @Test
    void tokensAndFramesThatDoNotBelongAreRefusedAndTheNodesCarryOn() throws Exception {

        // A token altered in transit, and one sealed by another deployment's secret: refused by node B both ways.
        byte[] forged = bobToken.getToken().toByteArray();
        forged[forged.length - 1] ^= 1;
        CallTokens.Issued foreign = CallTokens.withRandomSecret(RANDOM, Clock.systemUTC(), Duration.ofMinutes(5))
                .issueFor(call, Integer.toUnsignedLong(bobToken.getParticipantId()));
        for (byte[] refused : List.of(forged, foreign.token())) {
            ServerFrame answer = joinOverWebSocket(bob, ByteString.copyFrom(refused));
            assertThat(answer.getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);
            assertThat(answer.getError().getMessage()).contains("not issued by this server");
        }
        try (UdpTestEndpoint intruder = new UdpTestEndpoint(relayB)) {
            intruder.send(RelayDatagram.join(forged, bobToken.getJoinKey().toByteArray(), relayB));
            intruder.send(RelayDatagram.join(foreign.token(), foreign.joinKey(), relayB));
            awaitCounter(1, "relay_dropped_token_bad_mac_total", 4);
            assertThat(intruder.count(d -> d[0] == RelayDatagram.JOINED)).isZero();
        }

        try (UdpTestEndpoint bobUdp = new UdpTestEndpoint(relayB);
             Connection outsider = Nats.connect(nodes.nats().urls().split(",")[0])) {
            // One deployment, one secret: the token alice got from node A admits her at node B's relay too.
            try (UdpTestEndpoint aliceAtB = new UdpTestEndpoint(relayB)) {
                aliceAtB.join(aliceToken.getToken().toByteArray(), aliceToken.getJoinKey().toByteArray(), relayB);
                aliceAtB.send(new byte[] {RelayDatagram.LEAVE});
            }
            bobUdp.join(bobToken.getToken().toByteArray(), bobToken.getJoinKey().toByteArray(), relayB);
            assertThat(joinOverWebSocket(alice, aliceToken.getToken()).hasCallJoined()).isTrue();
            aliceReachesBob(bobUdp);
            int before = bobUdp.received().size();
            int mediaBefore = bobUdp.count(isMedia());

            // Whoever can publish on NATS and knows the call: what is not a media datagram of the relay's size is dropped.
            String subject = "parley.call." + call;
            byte[] oversized = new byte[4 + RelayLimits.defaults().maxDatagramBytes() + 1];
            oversized[4] = RelayDatagram.MEDIA;
            for (byte[] junk : List.of(new byte[] {0, 0, 0, 7, RelayDatagram.JOIN, 1, 2}, new byte[] {0, 0, 0, 7, RelayDatagram.MEDIA},
                    new byte[] {1, 2, 3}, oversized)) {
                outsider.publish(subject, junk);
            }
            // And media for a call no participant of either node is in: no node listens for it.
            outsider.publish("parley.call." + new CallId(RANDOM.nextLong(), RANDOM.nextLong()),
                    ByteBuffer.allocate(6).putInt(7).put(RelayDatagram.MEDIA).put((byte) 1).array());
            outsider.flush(Duration.ofSeconds(5));
            awaitCounter(1, "relay_dropped_other_node_junk_total", 4);

            // The call goes on as before, and nothing of the above reached bob.
            List<String> fromAlice = new ArrayList<>();
            for (int i = 0; i < FRAMES; i++) {
                fromAlice.add("after the junk " + i);
                alice.send(aliceSays(fromAlice.get(i)));
            }
            assertThat(bobUdp.await(isMedia(), mediaBefore + FRAMES, TestClient.WAIT.toMillis())).isTrue();
            List<byte[]> received = bobUdp.received();
            List<byte[]> arrived = received.subList(before, received.size());
            assertThat(arrived).as("only media").allMatch(isMedia());
            assertThat(texts(bobMedia.decryptAll(media(arrived))).stream().filter(text -> text.startsWith("after the junk")))
                    .as("besides what alice sent while the nodes found each other").containsExactlyInAnyOrderElementsOf(fromAlice);
            assertThat(counter(1, "relay_dropped_other_node_no_such_call_total") + counter(0, "relay_dropped_other_node_no_such_call_total"))
                    .as("the other call's media reached no node").isZero();
            assertThat(bob.request(ClientFrame.newBuilder().setPing(org.parley.protocol.v1.Ping.getDefaultInstance())).hasPong())
                    .as("node B serves its connections").isTrue();
        }
    }

    /**
     * Alice sends media until bob hears some: the nodes learn that the other has participants in
     * the call within a NATS round trip of the second one's join, and until then keep media to themselves.
     */
    private void aliceReachesBob(UdpTestEndpoint bobUdp) throws Exception {
        long deadline = System.nanoTime() + TestClient.WAIT.toNanos();
        while (bobUdp.count(isMedia()) == 0) {
            assertThat(System.nanoTime()).as("alice's media reaches bob on the other node").isLessThan(deadline);
            alice.send(aliceSays("finding the other node"));
            Thread.sleep(20);
        }
        // Probes still on their way land now, so that a count taken next is not overtaken by them.
        for (int seen = -1; seen != bobUdp.count(isMedia()); ) {
            assertThat(System.nanoTime()).as("alice's probes stop arriving").isLessThan(deadline);
            seen = bobUdp.count(isMedia());
            Thread.sleep(200);
        }
    }

    private ClientFrame aliceSays(String text) {
        byte[] datagram = aliceMedia.datagram(aliceSequence++, text.getBytes(StandardCharsets.UTF_8));
        return ClientFrame.newBuilder().setMediaFrame(MediaFrame.newBuilder()
                .setPayload(ByteString.copyFrom(Arrays.copyOfRange(datagram, 1, datagram.length)))).build();
    }

    private static Predicate<byte[]> isMedia() {
        return d -> d[0] == RelayDatagram.MEDIA;
    }

    private static List<byte[]> media(List<byte[]> datagrams) {
        return datagrams.stream().filter(isMedia()).toList();
    }

    private static List<String> texts(List<byte[]> plaintexts) {
        return plaintexts.stream().map(p -> new String(p, StandardCharsets.UTF_8)).toList();
    }

    private TestClient registeredOn(int node, String username) throws Exception {
        TestClient client = TestClient.connect(nodes.node(node).address().getPort());
        nodeClients.add(client);
        assertThat(client.register(username, randomBytes(32), null).hasAuthenticated()).isTrue();
        client.awaitFrame(ServerFrame::hasMailboxDrained);
        return client;
    }

    private CallToken token(TestClient client) throws Exception {
        ServerFrame answer = client.request(ClientFrame.newBuilder().setRequestCallToken(RequestCallToken.newBuilder().setCallId(callId)));
        assertThat(answer.hasCallToken()).as("token answer %s", answer).isTrue();
        return answer.getCallToken();
    }

    private static ServerFrame joinOverWebSocket(TestClient client, ByteString token) throws Exception {
        return client.request(ClientFrame.newBuilder().setJoinCallOverWebSocket(JoinCallOverWebSocket.newBuilder().setToken(token)));
    }

    private long counter(int node, String name) {
        return nodes.node(node).metrics().render().lines().filter(line -> line.startsWith("parley_" + name + " ")).findFirst()
                .map(line -> Long.parseLong(line.substring(line.indexOf(' ') + 1)))
                .orElseThrow(() -> new AssertionError("no metric parley_" + name));
    }

    private void awaitCounter(int node, String name, long value) throws InterruptedException {
        long deadline = System.nanoTime() + TestClient.WAIT.toNanos();
        while (counter(node, name) != value) {
            assertThat(System.nanoTime()).as("%s of node %d reaches %d, is %d", name, node, value, counter(node, name))
                    .isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
