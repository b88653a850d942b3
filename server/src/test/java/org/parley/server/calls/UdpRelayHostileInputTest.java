package org.parley.server.calls;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.media.packet.MediaPacket;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** Junk, forged and expired tokens, oversized datagrams and floods, while a real call goes on. */
class UdpRelayHostileInputTest {
    private final byte[] secret = new byte[32];
    private CallTokens tokens;
    private UdpRelayServer server;

    @BeforeEach
    void start() throws Exception {
        new SecureRandom().nextBytes(secret);
        tokens = new CallTokens(secret, Clock.systemUTC(), Duration.ofMinutes(5));
        // A stopped clock: budgets never refill, so what gets through a flood is exactly the burst.
        server = UdpRelayServer.start(new Relay(tokens, RelayLimits.defaults(), () -> 0L),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void awaitReceived(long datagrams) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (server.relay().stats().datagramsReceived() < datagrams && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(server.relay().stats().datagramsReceived()).isGreaterThanOrEqualTo(datagrams);
    }

    private static TreeSet<Long> sequences(UdpTestEndpoint endpoint) throws Exception {
        TreeSet<Long> out = new TreeSet<>();
        for (byte[] d : endpoint.received()) {
            if (d[0] == RelayDatagram.MEDIA) {
                out.add(MediaPacket.decode(d, 1, d.length - 1).sequence());
            }
        }
        return out;
    }

    @Test
    void hostileTrafficIsDroppedAndCountedWhileAnotherCallGoesOn() throws Exception {
        SecureRandom random = new SecureRandom();
        org.parley.media.packet.CallId callB = org.parley.media.packet.CallId.random(random);
        org.parley.media.packet.CallId callA = org.parley.media.packet.CallId.random(random);
        TestCallClient bob = new TestCallClient(callB, 0, List.of(0, 1), 1);
        TestCallClient flooder = new TestCallClient(callA, 0, List.of(0, 1), 2);
        try (UdpTestEndpoint b0 = new UdpTestEndpoint(server.localAddress());
             UdpTestEndpoint b1 = new UdpTestEndpoint(server.localAddress());
             UdpTestEndpoint f = new UdpTestEndpoint(server.localAddress());
             UdpTestEndpoint a1 = new UdpTestEndpoint(server.localAddress());
             UdpTestEndpoint attacker = new UdpTestEndpoint(server.localAddress())) {
            b0.join(tokens, tokens.issue(new CallId(callB.high(), callB.low()), 0));
            b1.join(tokens, tokens.issue(new CallId(callB.high(), callB.low()), 1));
            f.join(tokens, tokens.issue(new CallId(callA.high(), callA.low()), 0));
            a1.join(tokens, tokens.issue(new CallId(callA.high(), callA.low()), 1));
            long afterJoins = server.relay().stats().datagramsReceived();

            // Wrong tokens: forged, expired (right secret, past expiry), malformed.
            byte[] forged = tokens.issue(new CallId(callB.high(), callB.low()), 9);
            forged[20] ^= 1;
            CallTokens past = new CallTokens(secret, Clock.fixed(Instant.now().minusSeconds(3600), ZoneOffset.UTC),
                    Duration.ofMinutes(5));
            byte[] expired = past.issue(new CallId(callB.high(), callB.low()), 9);
            for (int i = 0; i < 5; i++) {
                attacker.send(RelayDatagram.join(forged, tokens.joinKey(forged), server.localAddress()));
                attacker.send(RelayDatagram.join(expired, past.joinKey(expired), server.localAddress()));
                attacker.send(new byte[]{RelayDatagram.JOIN, 1, 2, 3});
            }
            attacker.send(new byte[3_000]);
            attacker.send(new byte[1_401]);
            awaitReceived(afterJoins + 17);
            Map<String, Long> counters = server.relay().stats().snapshot();
            assertThat(counters).containsEntry("relay_dropped_token_bad_mac_total", 5L)
                    .containsEntry("relay_dropped_token_expired_total", 5L)
                    .containsEntry("relay_dropped_token_malformed_total", 5L)
                    .containsEntry("relay_dropped_oversized_total", 2L);
            assertThat(attacker.received()).as("no answer to a bad request").isEmpty();

            // A flood of junk from one source and a flood of media from one participant of call A,
            // interleaved with call B's 100 frames.
            SplittableRandom junk = new SplittableRandom(1);
            byte[] floodFrame = flooder.audioDatagram(0);
            byte[][] bobFrames = new byte[TestCallClient.FRAMES][];
            for (int s = 0; s < bobFrames.length; s++) {
                bobFrames[s] = bob.audioDatagram(s);
            }
            long before = server.relay().stats().datagramsReceived();
            int floods = 20 * TestCallClient.FRAMES;
            for (int i = 0; i < floods; i++) {
                byte[] garbage = new byte[1 + junk.nextInt(200)];
                junk.nextBytes(garbage);
                garbage[0] = (byte) 0xEE;
                attacker.send(garbage);
                f.send(floodFrame);
                if (i % 20 == 0) {
                    b0.send(bobFrames[i / 20]);
                }
                if (i % 50 == 49) {
                    // Let the relay drain its socket: the test is about what the relay drops, not
                    // about a kernel receive buffer (net.core.rmem_max may be small) overflowing.
                    awaitReceived(before + 2L * (i + 1) + i / 20 + 1);
                }
            }
            awaitReceived(before + 2L * floods + floods / 20);
            assertThat(b1.await(d -> d[0] == RelayDatagram.MEDIA, floods / 20, 10_000)).isTrue();
            assertThat(sequences(b1)).hasSize(floods / 20).first().isEqualTo(0L);

            counters = server.relay().stats().snapshot();
            // The source budget of 50 went to 4 joins and 15 bad tokens; 31 junk datagrams were
            // examined and the rest dropped unexamined.
            assertThat(counters).containsEntry("relay_dropped_junk_total", 31L)
                    .containsEntry("relay_dropped_source_rate_limited_total", floods - 31L);
            int burst = (int) RelayLimits.defaults().participantBurst();
            assertThat(counters).containsEntry("relay_dropped_participant_rate_limited_total", (long) floods - burst);
            assertThat(a1.await(d -> d[0] == RelayDatagram.MEDIA, burst, 10_000)).isTrue();

            // Call B goes on afterwards in the other direction too.
            TestCallClient bob1 = new TestCallClient(callB, 1, List.of(0, 1), 1);
            for (int s = 0; s < 10; s++) {
                b1.send(bob1.audioDatagram(s));
            }
            assertThat(b0.await(d -> d[0] == RelayDatagram.MEDIA, 10, 10_000)).isTrue();
            assertThat(a1.count(d -> d[0] == RelayDatagram.MEDIA)).as("nothing beyond the burst").isEqualTo(burst);
        }
    }

    @Test
    void pingGetsPongOnlyOnceAdmittedAndLeaveEndsForwarding() throws Exception {
        org.parley.media.packet.CallId call = org.parley.media.packet.CallId.random(new SecureRandom());
        CallId id = new CallId(call.high(), call.low());
        try (UdpTestEndpoint a = new UdpTestEndpoint(server.localAddress());
             UdpTestEndpoint b = new UdpTestEndpoint(server.localAddress())) {
            byte[] ping = {RelayDatagram.PING, 1, 2, 3, 4, 5, 6, 7, 8};
            a.send(ping);
            awaitReceived(1);
            a.join(tokens, tokens.issue(id, 0));
            b.join(tokens, tokens.issue(id, 1));
            assertThat(a.count(d -> d[0] == RelayDatagram.PONG)).isZero();
            a.send(ping);
            assertThat(a.await(d -> d[0] == RelayDatagram.PONG, 1, 5_000)).isTrue();
            assertThat(a.received().stream().filter(d -> d[0] == RelayDatagram.PONG).findFirst().orElseThrow())
                    .containsExactly(RelayDatagram.PONG, 1, 2, 3, 4, 5, 6, 7, 8);

            a.send(new byte[]{RelayDatagram.LEAVE});
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (server.relay().activeParticipants() != 1 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(server.relay().activeParticipants()).isEqualTo(1);
            long beforeMedia = server.relay().stats().datagramsReceived();
            b.send(RelayDatagram.media(new byte[50]));
            awaitReceived(beforeMedia + 1);
            assertThat(a.count(d -> d[0] == RelayDatagram.MEDIA)).isZero();
        }
    }
    @Test
    void anAddressLeftForTheWebSocketGetsBudgetedPongsAndNoMediaUntilTheParticipantLeaves() throws Exception {
        org.parley.media.packet.CallId call = org.parley.media.packet.CallId.random(new SecureRandom());
        CallId id = new CallId(call.high(), call.low());
        byte[] device = {7, 42};
        byte[] aliceToken = tokens.issue(id, tokens.participantId(id, device));
        RelayTest.RecordingSink webSocketSink = new RelayTest.RecordingSink();
        RelayConnection webSocket = new RelayConnection(server.relay(), webSocketSink, io.netty.buffer.ByteBufAllocator.DEFAULT);
        try (UdpTestEndpoint alice = new UdpTestEndpoint(server.localAddress());
             UdpTestEndpoint bob = new UdpTestEndpoint(server.localAddress())) {
            alice.join(tokens, aliceToken);
            bob.join(tokens, tokens.issue(id, 1));
            webSocket.joinAsDevice(aliceToken, device);
            assertThat(server.udpSessions()).as("alice's old address keeps its session").isEqualTo(2);

            byte[] paddedPing = new byte[RelayDatagram.MAX_PING_BYTES];
            paddedPing[0] = RelayDatagram.PING;
            alice.send(paddedPing);
            assertThat(alice.await(d -> d[0] == RelayDatagram.PONG, 1, 5_000)).isTrue();
            assertThat(alice.received().stream().filter(d -> d[0] == RelayDatagram.PONG).findFirst().orElseThrow())
                    .hasSize(RelayDatagram.MAX_PING_BYTES);

            long before = server.relay().stats().datagramsReceived();
            bob.send(RelayDatagram.media(new byte[50]));
            alice.send(RelayDatagram.media(new byte[50]));
            awaitReceived(before + 2);
            Thread.sleep(200);
            assertThat(alice.count(d -> d[0] == RelayDatagram.MEDIA)).as("no media to the old address").isZero();
            assertThat(bob.count(d -> d[0] == RelayDatagram.MEDIA)).as("none from it").isZero();

            // A stopped clock: the old address's own budget never refills, so a flood gets exactly what is left of its
            // burst, and the participant's budget (its media on the WebSocket) none of it.
            before = server.relay().stats().datagramsReceived();
            byte[] ping = {RelayDatagram.PING, 1, 2, 3, 4, 5, 6, 7, 8};
            for (int i = 0; i < 500; i++) {
                alice.send(ping);
            }
            awaitReceived(before + 500);
            Thread.sleep(200);
            assertThat(alice.count(d -> d[0] == RelayDatagram.PONG)).as("PONGs across the flood")
                    .isEqualTo((int) RelayLimits.defaults().sourceBurst());
            assertThat(server.relay().stats().snapshot().get("relay_dropped_source_rate_limited_total"))
                    .isGreaterThanOrEqualTo(500 - (long) RelayLimits.defaults().sourceBurst());
            assertThat(server.relay().stats().snapshot()).containsEntry("relay_dropped_participant_rate_limited_total", 0L);

            webSocket.close();
            long deadline = System.nanoTime() + 15_000_000_000L;
            while (server.udpSessions() != 1 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(server.udpSessions()).as("the old address is forgotten once alice left the call").isEqualTo(1);
        }
    }
}
