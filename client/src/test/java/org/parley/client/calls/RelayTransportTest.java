package org.parley.client.calls;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.parley.client.testkit.LiveServer;
import org.parley.client.LiveServerTestBase;
import org.parley.client.ParleyClient;
import org.parley.client.testnet.ImpairedUdpPath;
import org.parley.media.packet.MediaPacket;
import org.parley.protocol.v1.CallToken;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RequestCallToken;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * The relay path of a participant behind a UDP path the test can cut: it starts on UDP, moves to
 * the WebSocket when UDP goes dark, and back to UDP when it works again, with media flowing
 * throughout. (Behaviour only; how fast it switches is for the network-namespace tests.)
 */
class RelayTransportTest extends LiveServerTestBase {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ByteString CALL_ID = ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});

    /** A stand-in media packet of the call: version, flags, the call id, a header's worth of zeros, then {@code text}. */
    private static byte[] packet(ByteString callId, String text) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[MediaPacket.HEADER_BYTES + body.length];
        out[0] = 1;
        callId.copyTo(out, 2);
        System.arraycopy(body, 0, out, MediaPacket.HEADER_BYTES, body.length);
        return out;
    }

    /** The text of a received stand-in packet; it must have come with the call id put back. */
    private static String text(byte[] packet, ByteString callId) {
        assertThat(ByteString.copyFrom(packet, 2, 16)).as("the call id restored").isEqualTo(callId);
        return new String(packet, MediaPacket.HEADER_BYTES, packet.length - MediaPacket.HEADER_BYTES, StandardCharsets.UTF_8);
    }

    @Test
    void movesToTheWebSocketWhenUdpGoesDarkAndBackWhenItWorks() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        ByteString callId = CALL_ID;
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        CallToken aliceToken = token(alice, callId);
        CallToken bobToken = token(bob, callId);
        InetSocketAddress relay = new InetSocketAddress("127.0.0.1", aliceToken.getUdpPort());
        ImpairedUdpPath path = ImpairedUdpPath.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), relay, 1);
        open.add(0, path);

        Set<String> aliceGot = ConcurrentHashMap.newKeySet();
        Set<String> bobGot = ConcurrentHashMap.newKeySet();
        RelayTransport aliceSide = RelayTransports.join(alice.session(), path.address(), callId, aliceToken, Clock.systemUTC(),
                bytes -> aliceGot.add(text(bytes, callId)));
        open.add(0, aliceSide);
        alice.onMediaFrames(aliceSide::receivedOverWebSocket);
        RelayTransport bobSide = RelayTransports.join(bob.session(), relay, callId, bobToken, Clock.systemUTC(),
                bytes -> bobGot.add(text(bytes, callId)));
        open.add(0, bobSide);
        assertThat(aliceSide.path()).isEqualTo(RelayTransport.Path.UDP);
        exchange(aliceSide, bobSide, "udp", aliceGot, bobGot);

        path.impair(ImpairedUdpPath.Impairment.DARK);
        eventually("alice moves to the WebSocket", () -> aliceSide.path() == RelayTransport.Path.WEBSOCKET);
        exchange(aliceSide, bobSide, "websocket", aliceGot, bobGot);

        path.impair(ImpairedUdpPath.Impairment.NONE);
        eventually("alice moves back to UDP", () -> aliceSide.path() == RelayTransport.Path.UDP);
        exchange(aliceSide, bobSide, "udp again", aliceGot, bobGot);
        assertThat(aliceSide.switches()).isEqualTo(2);
        assertThat(aliceSide.transportsUsed()).isEqualTo("udp+tcp");
        assertThat(bobSide.switches()).isZero();
        assertThat(bobSide.transportsUsed()).isEqualTo("udp");
    }

    @Test
    void aThrottledPathMovesMediaToTheWebSocketAndUdpIsNotTriedAgainWithinThirtySeconds() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        ByteString callId = CALL_ID;
        ParleyClient alice = user("alice");
        CallToken token = token(alice, callId);
        ImpairedUdpPath path = ImpairedUdpPath.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new InetSocketAddress("127.0.0.1", token.getUdpPort()), 1);
        open.add(0, path);
        RelayTransport aliceSide = RelayTransports.join(alice.session(), path.address(), callId, token, Clock.systemUTC(), bytes -> { });
        open.add(0, aliceSide);
        alice.onMediaFrames(aliceSide::receivedOverWebSocket);
        assertThat(aliceSide.path()).isEqualTo(RelayTransport.Path.UDP);

        // 125-byte packets every 20 ms, as a voice call sends, into 16 kbit/s: its probes queue behind them.
        path.impair(ImpairedUdpPath.Impairment.throttled(16_000, 4_000));
        String voiceSized = "x".repeat(125 - MediaPacket.HEADER_BYTES);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (aliceSide.path() == RelayTransport.Path.UDP) {
            aliceSide.send(packet(callId, voiceSized));
            Thread.sleep(20);
            assertThat(System.nanoTime()).as("alice left the throttled path").isLessThan(deadline);
        }
        assertThat(aliceSide.leftUdpBecause()).startsWith("throttled");

        // Lifted: a dark path would be re-probed every half second; a throttled one waits 30 s
        // (UdpReturn, and ThrottledUdpCallsTest for the return itself).
        path.impair(ImpairedUdpPath.Impairment.NONE);
        Thread.sleep(6 * RelayTransport.REPROBE_MILLIS);
        assertThat(aliceSide.path()).isEqualTo(RelayTransport.Path.WEBSOCKET);
        assertThat(aliceSide.switches()).isEqualTo(1);
        assertThat(aliceSide.udpThrottled()).isTrue();
    }

    @Test
    void aRelayThatNeverAnswersUdpMeansTheWebSocketFromTheStart() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        ByteString callId = ByteString.copyFrom(new byte[16]);
        ParleyClient alice = user("alice");
        CallToken token = token(alice, callId);
        ImpairedUdpPath path = ImpairedUdpPath.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new InetSocketAddress("127.0.0.1", token.getUdpPort()), 1);
        open.add(0, path);
        path.impair(ImpairedUdpPath.Impairment.DARK);
        RelayTransport transport = RelayTransports.join(alice.session(), path.address(), callId, token, Clock.systemUTC(),
                bytes -> { });
        open.add(0, transport);
        assertThat(transport.path()).isEqualTo(RelayTransport.Path.WEBSOCKET);
        assertThat(transport.transportsUsed()).isEqualTo("tcp");
        assertThat(transport.switches()).isZero();
    }

    /** Sends numbered payloads both ways until one of each arrives (a switch may drop the first few). */
    private static void exchange(RelayTransport alice, RelayTransport bob, String phase, Set<String> aliceGot, Set<String> bobGot)
            throws InterruptedException {
        ByteString callId = CALL_ID;
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (int i = 0; ; i++) {
            String toBob = "alice " + phase + " " + i;
            String toAlice = "bob " + phase + " " + i;
            alice.send(packet(callId, toBob));
            bob.send(packet(callId, toAlice));
            Thread.sleep(20);
            boolean bobHeard = bobGot.stream().anyMatch(s -> s.startsWith("alice " + phase + " "));
            boolean aliceHeard = aliceGot.stream().anyMatch(s -> s.startsWith("bob " + phase + " "));
            if (bobHeard && aliceHeard) {
                return;
            }
            assertThat(System.nanoTime()).as("media both ways (%s)", phase).isLessThan(deadline);
        }
    }

    private ParleyClient user(String username) {
        return profiles.registered(username, server.address());
    }

    private static CallToken token(ParleyClient client, ByteString callId) {
        return client.session().call(ClientFrame.newBuilder().setRequestCallToken(RequestCallToken.newBuilder().setCallId(callId)))
                .getCallToken();
    }
}
