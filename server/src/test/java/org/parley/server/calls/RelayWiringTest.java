package org.parley.server.calls;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.parley.protocol.v1.CallToken;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.JoinCallOverWebSocket;
import org.parley.protocol.v1.MediaFrame;
import org.parley.protocol.v1.RequestCallToken;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.ServerTestBase;
import org.parley.server.testing.Backend;
import org.parley.server.testing.TestClient;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The call relay wired into a real server on loopback: tokens over the WebSocket, a participant
 * on UDP and one on the WebSocket fallback exchanging SFrame-encrypted frames, refusals, metrics.
 */
class RelayWiringTest extends ServerTestBase {
    private static final int FRAMES = 20;
    private static final List<Integer> MEMBERS = List.of(0, 1);

    private final org.parley.media.packet.CallId mediaCallId = org.parley.media.packet.CallId.random(RANDOM);
    private final ByteString callId = ByteString.copyFrom(new CallId(mediaCallId.high(), mediaCallId.low()).toBytes());

    @Test
    void udpAndWebSocketParticipantsExchangeSFrameFramesThroughTheServer() throws Exception {
        start(Backend.SQLITE);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        CallToken aliceToken = token(alice);
        CallToken bobToken = token(bob);
        assertThat(aliceToken.getUdpPort()).isEqualTo(server.mediaAddress().orElseThrow().getPort());
        assertThat(aliceToken.getParticipantId()).isNotEqualTo(bobToken.getParticipantId());
        assertThat(token(alice).getParticipantId()).as("stable per device and call").isEqualTo(aliceToken.getParticipantId());

        TestCallClient aliceMedia = new TestCallClient(mediaCallId, 0, MEMBERS, TestCallClient.EPOCH);
        TestCallClient bobMedia = new TestCallClient(mediaCallId, 1, MEMBERS, TestCallClient.EPOCH);
        InetSocketAddress relay = new InetSocketAddress("127.0.0.1", aliceToken.getUdpPort());
        try (UdpTestEndpoint aliceUdp = new UdpTestEndpoint(relay)) {
            aliceUdp.join(aliceToken.getToken().toByteArray(), aliceToken.getJoinKey().toByteArray(), relay);
            ServerFrame joined = joinOverWebSocket(bob, bobToken.getToken());
            assertThat(joined.hasCallJoined()).as("answer %s", joined).isTrue();
            assertThat(joined.getCallJoined().getParticipantId()).isEqualTo(bobToken.getParticipantId());
            assertThat(joined.getCallJoined().getCallId()).isEqualTo(callId);

            List<String> fromAlice = new ArrayList<>();
            for (int i = 0; i < FRAMES; i++) {
                fromAlice.add("alice frame " + i);
                aliceUdp.send(aliceMedia.datagram(i, fromAlice.get(i).getBytes(StandardCharsets.UTF_8)));
            }
            List<byte[]> bobReceived = new ArrayList<>();
            for (int i = 0; i < FRAMES; i++) {
                MediaFrame media = bob.awaitFrame(ServerFrame::hasMediaFrame).getMediaFrame();
                assertThat(media.getCallId()).as("the connection is in one call; the push names none").isEmpty();
                bobReceived.add(RelayDatagram.media(media.getPayload().toByteArray()));
            }
            assertThat(texts(bobMedia.decryptAll(bobReceived))).containsExactlyInAnyOrderElementsOf(fromAlice);

            List<String> fromBob = new ArrayList<>();
            for (int i = 0; i < FRAMES; i++) {
                fromBob.add("bob frame " + i);
                byte[] datagram = bobMedia.datagram(i, fromBob.get(i).getBytes(StandardCharsets.UTF_8));
                bob.send(mediaFrame(callId, Arrays.copyOfRange(datagram, 1, datagram.length)));
            }
            assertThat(aliceUdp.await(d -> d[0] == RelayDatagram.MEDIA, FRAMES, TestClient.WAIT.toMillis())).isTrue();
            List<byte[]> aliceReceived = aliceUdp.received().stream().filter(d -> d[0] == RelayDatagram.MEDIA).toList();
            assertThat(texts(aliceMedia.decryptAll(aliceReceived))).containsExactlyInAnyOrderElementsOf(fromBob);
            assertThat(bob.pollFrame(ServerFrame::hasError, Duration.ofMillis(200))).isNull();

            // Counters are added just after a frame is handed on, so the last ones may trail its arrival.
            awaitMetric("parley_relay_frames_forwarded_total", 2 * FRAMES);
            awaitMetric("parley_media_frames_sent_total", FRAMES);
            String metrics = httpGet("/metrics").body();
            assertThat(metric(metrics, "parley_relay_frames_forwarded_total")).isEqualTo(2 * FRAMES);
            assertThat(metric(metrics, "parley_relay_joins_total")).isEqualTo(2);
            assertThat(metric(metrics, "parley_relay_participants")).isEqualTo(2);
            assertThat(metric(metrics, "parley_relay_calls")).isEqualTo(1);
            assertThat(metric(metrics, "parley_media_frames_received_total")).isEqualTo(FRAMES);
            assertThat(metric(metrics, "parley_media_frames_sent_total")).isEqualTo(FRAMES);

            bob.close();
            awaitMetric("parley_relay_participants", 1);
            assertThat(metric(server.metrics().render(), "parley_relay_leaves_total")).isEqualTo(1);
        }
    }

    @Test
    void aTokenCarriesNoCallIdAndComesWithItsOwnJoinKey() throws Exception {
        start(Backend.SQLITE);
        TestClient alice = registered("alice");
        CallToken first = token(alice);
        CallToken second = token(alice);
        assertThat(first.getJoinKey().size()).isEqualTo(CallTokens.JOIN_KEY_BYTES);
        assertThat(first.getJoinKey()).isNotEqualTo(second.getJoinKey());
        assertThat(first.getToken()).as("two tokens of one device and call look unrelated").isNotEqualTo(second.getToken());
        for (CallToken token : List.of(first, second)) {
            assertThat(indexOf(token.getToken().toByteArray(), callId.toByteArray())).as("call id in the token").isNegative();
        }
    }

    /**
     * A thief who saw alice's token (in a UDP JOIN, say) presents it on his own signed-in
     * connection: refused, since it was issued to another device, and alice keeps her slot.
     */
    @Test
    void aStolenTokenIsRefusedOnAnotherAccountsWebSocket() throws Exception {
        start(Backend.SQLITE);
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        TestClient thief = registered("thief");
        CallToken aliceToken = token(alice);
        assertThat(joinOverWebSocket(alice, aliceToken.getToken()).hasCallJoined()).isTrue();
        assertThat(joinOverWebSocket(bob, token(bob).getToken()).hasCallJoined()).isTrue();

        ServerFrame refused = joinOverWebSocket(thief, aliceToken.getToken());
        assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(refused.getError().getMessage()).contains("another device");
        awaitMetric("parley_relay_dropped_token_other_device_total", 1);

        bob.send(mediaFrame(ByteString.EMPTY, "for alice".getBytes(StandardCharsets.UTF_8)));
        assertThat(alice.awaitFrame(ServerFrame::hasMediaFrame).getMediaFrame().getPayload().toStringUtf8()).isEqualTo("for alice");
        assertThat(thief.pollFrame(ServerFrame::hasMediaFrame, Duration.ofMillis(300))).isNull();
        assertThat(metric(server.metrics().render(), "parley_relay_participants")).isEqualTo(2);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        // ISO-8859-1 maps each byte to one char, so this is an exact byte search.
        return new String(haystack, java.nio.charset.StandardCharsets.ISO_8859_1)
                .indexOf(new String(needle, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    @Test
    void aSecondServerCannotShareTheRelaysUdpPort() throws Exception {
        start(Backend.SQLITE);
        int taken = server.mediaAddress().orElseThrow().getPort();
        Relay other = new Relay(CallTokens.withRandomSecret(RANDOM, java.time.Clock.systemUTC(), Duration.ofMinutes(1)),
                RelayLimits.defaults());
        assertThatThrownBy(() -> UdpRelayServer.start(other, new InetSocketAddress("127.0.0.1", taken), 2))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("UDP port " + taken);
    }

    @Test
    void aServerWhoseMediaPortIsTakenDoesNotStartAndLeavesNoThreads() throws Exception {
        long threadsBefore = serverThreads();
        try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> start(Backend.SQLITE, config -> config.withCalls(config.calls()
                    .withMediaPort(OptionalInt.of(taken.getLocalPort()))), UnaryOperator.identity()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("UDP port " + taken.getLocalPort());
        }
        assertServerThreadsBackTo(threadsBefore);
    }

    @Test
    void withoutUdpTwoWebSocketParticipantsStillTalk() throws Exception {
        start(Backend.SQLITE, config -> config.withCalls(config.calls().withMediaPort(OptionalInt.empty())), UnaryOperator.identity());
        assertThat(server.mediaAddress()).isEmpty();
        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        CallToken aliceToken = token(alice);
        assertThat(aliceToken.getUdpPort()).isZero();
        assertThat(joinOverWebSocket(alice, aliceToken.getToken()).hasCallJoined()).isTrue();
        assertThat(joinOverWebSocket(bob, token(bob).getToken()).hasCallJoined()).isTrue();
        alice.send(mediaFrame(callId, "opaque ciphertext".getBytes(StandardCharsets.UTF_8)));
        assertThat(bob.awaitFrame(ServerFrame::hasMediaFrame).getMediaFrame().getPayload().toStringUtf8()).isEqualTo("opaque ciphertext");
    }

    /** Behind one load balancer URL, which carries TCP only, each node's tokens say where its own UDP relay is. */
    @Test
    void aNodeWithAMediaAddressNamesItInItsTokensForUdp() throws Exception {
        start(Backend.SQLITE, config -> config.withCalls(config.calls().withMediaHost(java.util.Optional.of("chat1.example.org"))),
                UnaryOperator.identity());
        CallToken token = token(registered("alice"));
        assertThat(token.getUdpHost()).isEqualTo("chat1.example.org");
        assertThat(token.getUdpPort()).isEqualTo(server.mediaAddress().orElseThrow().getPort());
    }

    @Test
    void wrongTokensAreRefusedOverBothTransports() throws Exception {
        start(Backend.SQLITE);
        TestClient alice = registered("alice");
        CallToken issued = token(alice);
        byte[] forged = issued.getToken().toByteArray();
        forged[forged.length - 1] ^= 1;

        ServerFrame refused = joinOverWebSocket(alice, ByteString.copyFrom(forged));
        assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(refused.getError().getMessage()).contains("does not verify");
        ServerFrame tooShort = joinOverWebSocket(alice, ByteString.copyFrom(new byte[10]));
        assertThat(tooShort.getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);

        try (UdpTestEndpoint udp = new UdpTestEndpoint(server.mediaAddress().orElseThrow())) {
            udp.send(RelayDatagram.join(forged, issued.getJoinKey().toByteArray(), server.mediaAddress().orElseThrow()));
            awaitMetric("parley_relay_dropped_token_bad_mac_total", 2);
            // the same socket with the real token is admitted
            udp.join(issued.getToken().toByteArray(), issued.getJoinKey().toByteArray(), server.mediaAddress().orElseThrow());
            assertThat(udp.count(d -> d[0] == RelayDatagram.JOINED)).isEqualTo(1);
        }
        assertThat(metric(server.metrics().render(), "parley_relay_joins_total")).isEqualTo(1);
    }

    @Test
    void expiredTokensAreRefusedOverBothTransports() throws Exception {
        start(Backend.SQLITE, config -> config.withCalls(config.calls().withTokenLifetime(Duration.ofSeconds(1))),
                UnaryOperator.identity());
        TestClient alice = registered("alice");
        CallToken issued = token(alice);
        while (System.currentTimeMillis() <= issued.getExpiresAt()) {
            Thread.sleep(50);
        }
        ServerFrame refused = joinOverWebSocket(alice, issued.getToken());
        assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(refused.getError().getMessage()).contains("expired");
        try (UdpTestEndpoint udp = new UdpTestEndpoint(server.mediaAddress().orElseThrow())) {
            udp.send(RelayDatagram.join(issued.getToken().toByteArray(), issued.getJoinKey().toByteArray(),
                    server.mediaAddress().orElseThrow()));
            awaitMetric("parley_relay_dropped_token_expired_total", 2);
            assertThat(udp.count(d -> d[0] == RelayDatagram.JOINED)).isZero();
        }
        assertThat(metric(server.metrics().render(), "parley_relay_joins_total")).isZero();
    }

    @Test
    void callFramesBeforeAuthenticationOrOutsideACallGetErrors() throws Exception {
        start(Backend.SQLITE);
        TestClient stranger = connect();
        assertThat(stranger.request(mediaFrame(callId, new byte[] {1}).toBuilder()).getError().getCode())
                .isEqualTo(ErrorCode.NOT_AUTHENTICATED);
        assertThat(stranger.request(ClientFrame.newBuilder().setJoinCallOverWebSocket(JoinCallOverWebSocket.newBuilder()
                .setToken(ByteString.copyFrom(new byte[CallTokens.TOKEN_BYTES])))).getError().getCode())
                .isEqualTo(ErrorCode.NOT_AUTHENTICATED);
        assertThat(stranger.request(ClientFrame.newBuilder().setRequestCallToken(RequestCallToken.newBuilder()
                .setCallId(callId))).getError().getCode()).isEqualTo(ErrorCode.NOT_AUTHENTICATED);

        TestClient alice = registered("alice");
        assertThat(alice.request(mediaFrame(callId, new byte[] {1}).toBuilder()).getError().getCode())
                .isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(alice.request(ClientFrame.newBuilder().setRequestCallToken(RequestCallToken.newBuilder()
                .setCallId(ByteString.copyFrom(new byte[15])))).getError().getMessage()).contains("call_id must be 16 bytes");
        assertThat(joinOverWebSocket(alice, token(alice).getToken()).hasCallJoined()).isTrue();
        ByteString otherCall = ByteString.copyFrom(new byte[CallId.BYTES]);
        assertThat(alice.request(mediaFrame(otherCall, new byte[] {1}).toBuilder()).getError().getCode())
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);
        ServerFrame oversized = alice.request(mediaFrame(callId, new byte[RelayLimits.defaults().maxDatagramBytes()]).toBuilder());
        assertThat(oversized.getError().getMessage()).contains("exceeds the relay's limit");
    }

    @Test
    void mediaOverTheWebSocketIsRateLimitedPerParticipant() throws Exception {
        start(Backend.SQLITE);
        TestClient alice = registered("alice");
        assertThat(joinOverWebSocket(alice, token(alice).getToken()).hasCallJoined()).isTrue();
        // Far more than the burst (200) plus what the sustained rate (400/s) refills while they are sent.
        for (int i = 0; i < 3_000; i++) {
            alice.send(mediaFrame(callId, new byte[] {(byte) i}));
        }
        awaitMetric("parley_media_frames_received_total", 3_000);
        assertThat(metric(server.metrics().render(), "parley_relay_dropped_participant_rate_limited_total")).isPositive();
        assertThat(alice.request(ClientFrame.newBuilder().setPing(org.parley.protocol.v1.Ping.getDefaultInstance())).hasPong())
                .as("the connection stays up").isTrue();
    }

    private CallToken token(TestClient client) throws Exception {
        ServerFrame answer = client.request(ClientFrame.newBuilder().setRequestCallToken(RequestCallToken.newBuilder().setCallId(callId)));
        assertThat(answer.hasCallToken()).as("token answer %s", answer).isTrue();
        assertThat(answer.getCallToken().getExpiresAt()).isGreaterThan(System.currentTimeMillis() - 1_000);
        return answer.getCallToken();
    }

    private static ServerFrame joinOverWebSocket(TestClient client, ByteString token) throws Exception {
        return client.request(ClientFrame.newBuilder().setJoinCallOverWebSocket(JoinCallOverWebSocket.newBuilder().setToken(token)));
    }

    private static ClientFrame mediaFrame(ByteString call, byte[] payload) {
        return ClientFrame.newBuilder().setMediaFrame(MediaFrame.newBuilder().setCallId(call)
                .setPayload(ByteString.copyFrom(payload))).build();
    }

    private static List<String> texts(List<byte[]> plaintexts) {
        return plaintexts.stream().map(p -> new String(p, StandardCharsets.UTF_8)).toList();
    }

    /** The value of an unlabelled metric in Prometheus text; fails if it is absent. */
    private static long metric(String text, String name) {
        return text.lines().filter(line -> line.startsWith(name + " ")).findFirst()
                .map(line -> Long.parseLong(line.substring(name.length() + 1)))
                .orElseThrow(() -> new AssertionError("no metric " + name + " in /metrics"));
    }

    /** Waits until the metric has exactly {@code value} (counters rise, gauges move either way). */
    private void awaitMetric(String name, long value) throws InterruptedException {
        long deadline = System.nanoTime() + TestClient.WAIT.toNanos();
        long current;
        while ((current = metric(server.metrics().render(), name)) != value) {
            assertThat(System.nanoTime()).as("%s reaches %d, is %d", name, value, current).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
