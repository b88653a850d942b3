package org.parley.server.calls;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.media.audio.CrossCorrelation;
import org.parley.media.packet.MediaPacket;
import org.parley.media.sframe.MlsSFrameKeys;
import org.parley.media.sframe.SFrameCipherSuite;
import org.parley.media.sframe.SFrameException;
import org.parley.media.sframe.SFrameHeader;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Calls through the UDP relay on loopback, with real Opus and SFrame on the client side. */
@Tag("realtime")
class UdpRelayCallTest {
    private final SecureRandom random = new SecureRandom();
    private CallTokens tokens;
    private UdpRelayServer server;

    @BeforeEach
    void start() throws Exception {
        tokens = CallTokens.withRandomSecret(random, Clock.systemUTC(), Duration.ofMinutes(5));
        server = UdpRelayServer.start(new Relay(tokens, RelayLimits.defaults()),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static CallId serverCallId(org.parley.media.packet.CallId id) {
        return new CallId(id.high(), id.low());
    }

    /** Every participant sends 75 frames of its own speech; every one must hear every other. */
    private void everyoneHearsEveryone(int size) throws Exception {
        org.parley.media.packet.CallId callId = org.parley.media.packet.CallId.random(random);
        List<Integer> members = IntStream.range(0, size).boxed().toList();
        List<TestCallClient> clients = new ArrayList<>();
        List<UdpTestEndpoint> endpoints = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                clients.add(new TestCallClient(callId, i, members, 7));
                UdpTestEndpoint endpoint = new UdpTestEndpoint(server.localAddress());
                endpoints.add(endpoint);
                endpoint.join(tokens, tokens.issue(serverCallId(callId), i));
            }
            for (int s = 0; s < TestCallClient.FRAMES; s++) {
                for (int i = 0; i < size; i++) {
                    endpoints.get(i).send(clients.get(i).audioDatagram(s));
                }
                Thread.sleep(1);
            }
            int expected = (size - 1) * TestCallClient.FRAMES;
            for (UdpTestEndpoint endpoint : endpoints) {
                assertThat(endpoint.await(d -> d[0] == RelayDatagram.MEDIA, expected, 10_000)).isTrue();
            }
            for (int i = 0; i < size; i++) {
                Map<Long, short[]> heard = clients.get(i).decodeAudio(endpoints.get(i).received());
                int listener = i;
                assertThat(heard.keySet()).as("participant %d hears", i)
                        .containsExactlyInAnyOrderElementsOf(members.stream().filter(m -> m != listener)
                                .map(Long::valueOf).toList());
                for (Map.Entry<Long, short[]> sender : heard.entrySet()) {
                    short[] sent = clients.get(sender.getKey().intValue()).speech;
                    double correlation = CrossCorrelation.align(sent, sender.getValue(), 1_000).correlation();
                    assertThat(correlation).as("%d hearing %d", i, sender.getKey()).isGreaterThanOrEqualTo(0.9);
                }
            }
            assertThat(server.relay().stats().framesForwarded()).isEqualTo((long) size * expected);
        } finally {
            for (UdpTestEndpoint endpoint : endpoints) {
                endpoint.close();
            }
        }
    }

    @Test
    void oneToOneCall() throws Exception {
        everyoneHearsEveryone(2);
    }

    @Test
    void fourPersonGroupCallThroughTheSfu() throws Exception {
        everyoneHearsEveryone(4);
    }

    /**
     * Captures exactly what the relay forwards and checks that it is SFrame ciphertext: a valid
     * SFrame header naming the sender's KID, no trace of the plaintext, and no decryption with
     * keys from any other secret than the group's (the relay's position: it has no exporter).
     */
    @Test
    void aJoinRepeatedBeforeItsAnswerCameKeepsTheEndpoint() throws Exception {
        // On a path slower than the client's JOIN retry, both JOINs reach the relay from one address.
        CallId call = serverCallId(org.parley.media.packet.CallId.random(random));
        try (UdpTestEndpoint a = new UdpTestEndpoint(server.localAddress());
             UdpTestEndpoint b = new UdpTestEndpoint(server.localAddress())) {
            byte[] token = tokens.issue(call, 0);
            a.send(RelayDatagram.join(token, tokens.joinKey(token), server.localAddress()));
            a.send(RelayDatagram.join(token, tokens.joinKey(token), server.localAddress()));
            assertThat(a.await(d -> d[0] == RelayDatagram.JOINED, 2, 5_000)).isTrue();
            b.join(tokens, tokens.issue(call, 1));
            a.send(new byte[] {RelayDatagram.PING, 1, 2, 3, 4, 5, 6, 7, 8});
            assertThat(a.await(d -> d[0] == RelayDatagram.PONG, 1, 5_000)).as("the relay still answers the address").isTrue();
            a.send(RelayDatagram.media(new byte[] {42}));
            assertThat(b.await(d -> d[0] == RelayDatagram.MEDIA, 1, 5_000)).as("the relay still forwards its media").isTrue();
        }
    }

    @Test
    void relayForwardsOnlySFrameCiphertext() throws Exception {
        org.parley.media.packet.CallId callId = org.parley.media.packet.CallId.random(random);
        List<Integer> members = List.of(0, 1);
        TestCallClient alice = new TestCallClient(callId, 0, members, 7);
        TestCallClient bob = new TestCallClient(callId, 1, members, 7);
        byte[] marker = "PLAINTEXT-MARKER-PLAINTEXT-MARKER-PLAINTEXT-MARKER".getBytes(StandardCharsets.US_ASCII);
        try (UdpTestEndpoint a = new UdpTestEndpoint(server.localAddress());
             UdpTestEndpoint b = new UdpTestEndpoint(server.localAddress())) {
            a.join(tokens, tokens.issue(serverCallId(callId), 0));
            b.join(tokens, tokens.issue(serverCallId(callId), 1));
            for (int s = 0; s < 20; s++) {
                a.send(alice.datagram(s, marker));
            }
            assertThat(b.await(d -> d[0] == RelayDatagram.MEDIA, 20, 10_000)).isTrue();
            List<byte[]> captured = b.received().stream().filter(d -> d[0] == RelayDatagram.MEDIA).toList();

            MlsSFrameKeys outsider = new MlsSFrameKeys(SFrameCipherSuite.AES_128_GCM_SHA256_128, 2);
            outsider.enterEpoch(TestCallClient.EPOCH, 1, members, 2, TestCallClient.exporterOfEpoch(8));
            long aliceKid = MlsSFrameKeys.kid(0, 0, TestCallClient.EPOCH, 1, 2);
            for (byte[] datagram : captured) {
                assertThat(indexOf(datagram, marker, 8)).as("no 8-byte run of the plaintext").isEqualTo(-1);
                MediaPacket packet = MediaPacket.decode(datagram, 1, datagram.length - 1);
                byte[] sframe = packet.payload();
                assertThat(SFrameHeader.decode(sframe, 0, sframe.length).kid()).isEqualTo(aliceKid);
                assertThat(sframe.length).as("header + ciphertext + 16-byte GCM tag")
                        .isGreaterThanOrEqualTo(marker.length + 16 + 1);
                byte[] metadata = TestCallClient.metadataOf(packet);
                assertThatThrownBy(() -> outsider.decrypt(metadata, sframe)).isInstanceOf(SFrameException.class);
            }
            // The intended receiver does decrypt the same captured bytes, so they are the real frames.
            assertThat(bob.decryptAll(captured)).allSatisfy(p -> assertThat(p).isEqualTo(marker));
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle, int window) {
        for (int from = 0; from + window <= needle.length; from++) {
            outer:
            for (int i = 0; i + window <= haystack.length; i++) {
                for (int j = 0; j < window; j++) {
                    if (haystack[i + j] != needle[from + j]) {
                        continue outer;
                    }
                }
                return i;
            }
        }
        return -1;
    }

    /**
     * One participant on UDP, the other on a WebSocket (UDP blocked for it), reduced to the
     * {@link RelayConnection} the WebSocket handler feeds and a sink standing for its binary
     * frames: the same relay forwards both ways, and the WebSocket side runs on a foreign thread.
     */
    @Test
    void udpAndWebSocketParticipantsShareACall() throws Exception {
        org.parley.media.packet.CallId callId = org.parley.media.packet.CallId.random(random);
        CallId id = serverCallId(callId);
        TestCallClient alice = new TestCallClient(callId, 0, List.of(0, 1), 7);
        TestCallClient bob = new TestCallClient(callId, 1, List.of(0, 1), 7);
        List<byte[]> bobHeard = java.util.Collections.synchronizedList(new ArrayList<>());
        MediaSink webSocketFrames = datagram -> {
            byte[] bytes = new byte[datagram.readableBytes()];
            datagram.readBytes(bytes);
            datagram.release();
            bobHeard.add(bytes);
        };
        RelayConnection bobOnWebSocket = new RelayConnection(server.relay(), webSocketFrames,
                io.netty.buffer.ByteBufAllocator.DEFAULT);
        try (UdpTestEndpoint a = new UdpTestEndpoint(server.localAddress())) {
            a.join(tokens, tokens.issue(id, 0));
            byte[] bobDevice = {1};
            assertThat(bobOnWebSocket.joinAsDevice(tokens.issue(id, tokens.participantId(id, bobDevice)), bobDevice))
                    .isNotNull();
            for (int s = 0; s < TestCallClient.FRAMES; s++) {
                a.send(alice.audioDatagram(s));
                receive(bobOnWebSocket, bob.audioDatagram(s));
            }
            assertThat(a.await(d -> d[0] == RelayDatagram.MEDIA, TestCallClient.FRAMES, 10_000)).isTrue();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (bobHeard.size() < TestCallClient.FRAMES && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            short[] aliceHeardBob = alice.decodeAudio(a.received()).get(1L);
            short[] bobHeardAlice = bob.decodeAudio(new ArrayList<>(bobHeard)).get(0L);
            assertThat(CrossCorrelation.align(bob.speech, aliceHeardBob, 1_000).correlation()).isGreaterThanOrEqualTo(0.9);
            assertThat(CrossCorrelation.align(alice.speech, bobHeardAlice, 1_000).correlation()).isGreaterThanOrEqualTo(0.9);

            bobOnWebSocket.close();
            assertThat(server.relay().activeParticipants()).isEqualTo(1);
        }
    }

    private static void receive(RelayConnection connection, byte[] datagram) {
        io.netty.buffer.ByteBuf frame = io.netty.buffer.Unpooled.wrappedBuffer(datagram);
        connection.receive(frame);
        frame.release();
    }
}
