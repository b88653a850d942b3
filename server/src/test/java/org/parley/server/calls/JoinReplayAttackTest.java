package org.parley.server.calls;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.server.testing.MutableClock;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks on UDP JOINs over real sockets on 127.0.0.1: an eavesdropper who captured a
 * participant's JOIN (token, time, nonce and MAC) replays it from its own address, within the
 * time window and after it, restamps it, or sends it to another relay. None of it admits the
 * attacker, and the real participant keeps its slot; a participant whose address changes (NAT
 * rebinding) moves with a fresh JOIN.
 */
class JoinReplayAttackTest {
    private static final byte[] PING = {RelayDatagram.PING, 1, 2, 3, 4, 5, 6, 7, 8};
    private final SecureRandom random = new SecureRandom();
    private final MutableClock clock = new MutableClock(Instant.now());
    private final CallId call = CallId.random(random);
    private CallTokens tokens;
    private UdpRelayServer server;

    @BeforeEach
    void start() throws Exception {
        tokens = CallTokens.withRandomSecret(random, clock, Duration.ofMinutes(10));
        server = UdpRelayServer.start(new Relay(tokens, RelayLimits.defaults()),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A JOIN as a client builds it, stamped by the relay's clock and naming {@code relay}. */
    private byte[] join(byte[] token, long timeMillis, InetSocketAddress relay) {
        byte[] nonce = new byte[JoinDatagram.NONCE_BYTES];
        random.nextBytes(nonce);
        return JoinDatagram.encode(token, tokens.joinKey(token), timeMillis, nonce, relay);
    }

    private byte[] freshJoin(byte[] token) {
        return join(token, clock.millis(), server.localAddress());
    }

    private static boolean isJoined(byte[] datagram) {
        return datagram[0] == RelayDatagram.JOINED;
    }

    private static boolean isMedia(byte[] datagram) {
        return datagram[0] == RelayDatagram.MEDIA;
    }

    /** Sends {@code datagram} from {@code endpoint} and waits until the relay has handled it. */
    private void sendAndSettle(UdpTestEndpoint endpoint, byte[] datagram) throws Exception {
        long before = server.relay().stats().datagramsReceived();
        endpoint.send(datagram);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.relay().stats().datagramsReceived() <= before) {
            assertThat(System.nanoTime()).as("the relay received the datagram").isLessThan(deadline);
            Thread.sleep(2);
        }
        Thread.sleep(20); // an answer, if any, is on its way back over loopback
    }

    private long counter(String name) {
        return server.relay().stats().snapshot().get(name);
    }

    /** Bob's media reaches {@code expected} and not {@code others}. */
    private static void mediaGoesTo(UdpTestEndpoint bob, UdpTestEndpoint expected, UdpTestEndpoint... others) throws Exception {
        int before = expected.count(JoinReplayAttackTest::isMedia);
        bob.send(RelayDatagram.media(new byte[] {7, 7, 7}));
        assertThat(expected.await(JoinReplayAttackTest::isMedia, before + 1, 5_000)).as("media reaches the participant").isTrue();
        Thread.sleep(30);
        for (UdpTestEndpoint other : others) {
            assertThat(other.count(JoinReplayAttackTest::isMedia)).as("media reaches no one else").isZero();
        }
    }

    @Test
    void aReplayedJoinGetsTheAttackerNothingWithinTheWindowOrAfterIt() throws Exception {
        byte[] aliceToken = tokens.issue(call, 1);
        try (UdpTestEndpoint alice = new UdpTestEndpoint(server.localAddress());
             UdpTestEndpoint bob = new UdpTestEndpoint(server.localAddress());
             UdpTestEndpoint attacker = new UdpTestEndpoint(server.localAddress())) {
            byte[] captured = freshJoin(aliceToken);
            alice.send(captured);
            assertThat(alice.await(JoinReplayAttackTest::isJoined, 1, 5_000)).isTrue();
            bob.join(tokens, tokens.issue(call, 2));

            // At once, and again and again, from the attacker's own address.
            for (int i = 0; i < 3; i++) {
                sendAndSettle(attacker, captured);
            }
            assertThat(counter("relay_dropped_join_replayed_total")).isEqualTo(3);
            // Late in the window, when the JOIN's time is still acceptable.
            clock.advance(Duration.ofSeconds(29));
            sendAndSettle(attacker, captured);
            assertThat(counter("relay_dropped_join_replayed_total")).isEqualTo(4);
            // After the window, and long after, when the nonce itself is forgotten.
            clock.advance(Duration.ofSeconds(2));
            sendAndSettle(attacker, captured);
            clock.advance(Duration.ofMinutes(5));
            sendAndSettle(attacker, captured);
            assertThat(counter("relay_dropped_join_stale_total")).isEqualTo(2);

            // The same JOIN from alice's own address is refused too: a replay moves nothing anywhere.
            sendAndSettle(alice, captured);
            assertThat(counter("relay_dropped_join_stale_total")).isEqualTo(3);

            assertThat(attacker.received()).as("no answer of any kind to the attacker").isEmpty();
            assertThat(alice.count(JoinReplayAttackTest::isJoined)).isEqualTo(1);
            mediaGoesTo(bob, alice, attacker);
            sendAndSettle(attacker, PING);
            assertThat(attacker.received()).isEmpty();
            assertThat(server.relay().activeParticipants()).isEqualTo(2);
            assertThat(counter("relay_joins_total")).isEqualTo(2);
        }
    }

    @Test
    void aCapturedJoinRestampedOrMacedWithoutTheJoinKeyIsRefused() throws Exception {
        byte[] aliceToken = tokens.issue(call, 1);
        byte[] bobToken = tokens.issue(call, 2);
        try (UdpTestEndpoint alice = new UdpTestEndpoint(server.localAddress());
             UdpTestEndpoint bob = new UdpTestEndpoint(server.localAddress());
             UdpTestEndpoint attacker = new UdpTestEndpoint(server.localAddress())) {
            byte[] captured = freshJoin(aliceToken);
            alice.send(captured);
            assertThat(alice.await(JoinReplayAttackTest::isJoined, 1, 5_000)).isTrue();
            bob.join(tokens, bobToken);

            // A fresh nonce and time on the captured JOIN, its old MAC kept.
            byte[] restamped = captured.clone();
            random.nextBytes(restamped);
            System.arraycopy(captured, 0, restamped, 0, 1 + CallTokens.TOKEN_BYTES);
            System.arraycopy(captured, 100, restamped, 100, 32);
            System.arraycopy(captured, 82, restamped, 82, 18);
            java.nio.ByteBuffer.wrap(restamped).putLong(1 + CallTokens.TOKEN_BYTES, clock.millis());
            sendAndSettle(attacker, restamped);
            // Alice's token with a MAC under a key the attacker made up, and under bob's real key
            // (bob is in the same call and holds his own key: it still does not open alice's slot).
            byte[] nonce = new byte[JoinDatagram.NONCE_BYTES];
            random.nextBytes(nonce);
            byte[] madeUpKey = new byte[CallTokens.JOIN_KEY_BYTES];
            random.nextBytes(madeUpKey);
            sendAndSettle(attacker, JoinDatagram.encode(aliceToken, madeUpKey, clock.millis(), nonce, server.localAddress()));
            random.nextBytes(nonce);
            sendAndSettle(bob, JoinDatagram.encode(aliceToken, tokens.joinKey(bobToken), clock.millis(), nonce,
                    server.localAddress()));
            assertThat(counter("relay_dropped_join_bad_mac_total")).isEqualTo(3);
            assertThat(attacker.received()).isEmpty();
            mediaGoesTo(bob, alice, attacker);
            assertThat(server.relay().activeParticipants()).isEqualTo(2);
        }
    }

    @Test
    void aJoinIsGoodOnlyAtTheRelayPortItNamesAndWithinThirtySecondsOfItsClock() throws Exception {
        byte[] token = tokens.issue(call, 1);
        InetSocketAddress relay = server.localAddress();
        try (UdpTestEndpoint alice = new UdpTestEndpoint(relay)) {
            long now = clock.millis();
            sendAndSettle(alice, join(token, now, new InetSocketAddress(relay.getAddress(), relay.getPort() + 1)));
            assertThat(counter("relay_dropped_join_wrong_relay_total")).isEqualTo(1);
            sendAndSettle(alice, join(token, now - 30_001, relay));
            sendAndSettle(alice, join(token, now + 30_001, relay));
            assertThat(counter("relay_dropped_join_stale_total")).isEqualTo(2);
            assertThat(alice.received()).as("nothing answered").isEmpty();

            alice.send(join(token, now + 29_000, relay));
            assertThat(alice.await(JoinReplayAttackTest::isJoined, 1, 5_000)).as("a clock 29 s ahead is fine").isTrue();
            alice.send(join(token, now - 29_000, relay));
            assertThat(alice.await(JoinReplayAttackTest::isJoined, 2, 5_000)).as("29 s behind too").isTrue();
        }
    }

    @Test
    void aParticipantWhoseAddressChangesMovesWithAFreshJoinAndItsOldJoinStaysUseless() throws Exception {
        byte[] aliceToken = tokens.issue(call, 1);
        try (UdpTestEndpoint alice = new UdpTestEndpoint(server.localAddress());
             UdpTestEndpoint aliceAfterRebinding = new UdpTestEndpoint(server.localAddress());
             UdpTestEndpoint bob = new UdpTestEndpoint(server.localAddress())) {
            byte[] first = freshJoin(aliceToken);
            alice.send(first);
            assertThat(alice.await(JoinReplayAttackTest::isJoined, 1, 5_000)).isTrue();
            bob.join(tokens, tokens.issue(call, 2));
            mediaGoesTo(bob, alice, aliceAfterRebinding);

            // The NAT gave alice a new address: her client sends a fresh JOIN from there.
            clock.advance(Duration.ofSeconds(5));
            aliceAfterRebinding.join(tokens, aliceToken);
            int atOldAddress = alice.count(JoinReplayAttackTest::isMedia);
            bob.send(RelayDatagram.media(new byte[] {9}));
            assertThat(aliceAfterRebinding.await(JoinReplayAttackTest::isMedia, 1, 5_000)).isTrue();
            Thread.sleep(30);
            assertThat(alice.count(JoinReplayAttackTest::isMedia)).as("nothing to the old address").isEqualTo(atOldAddress);

            // Someone replays her first JOIN from the old address (now anyone's): refused, she stays.
            sendAndSettle(alice, first);
            assertThat(counter("relay_dropped_join_replayed_total")).isEqualTo(1);
            assertThat(alice.count(JoinReplayAttackTest::isJoined)).isEqualTo(1);
            bob.send(RelayDatagram.media(new byte[] {10}));
            assertThat(aliceAfterRebinding.await(JoinReplayAttackTest::isMedia, 2, 5_000)).isTrue();
            assertThat(server.udpSessions()).as("the old address holds no session").isEqualTo(2);
        }
    }

    @Test
    void malformedJoinsAreDroppedUnanswered() throws Exception {
        byte[] token = tokens.issue(call, 1);
        byte[] good = freshJoin(token);
        try (UdpTestEndpoint attacker = new UdpTestEndpoint(server.localAddress())) {
            sendAndSettle(attacker, Arrays.copyOf(good, good.length - 1));
            sendAndSettle(attacker, Arrays.copyOf(good, good.length + 1));
            sendAndSettle(attacker, Arrays.copyOf(good, 1 + CallTokens.TOKEN_BYTES));
            assertThat(counter("relay_dropped_token_malformed_total")).isEqualTo(3);
            byte[] garbage = new byte[JoinDatagram.BYTES];
            random.nextBytes(garbage);
            garbage[0] = RelayDatagram.JOIN;
            garbage[1] = 2; // the token version, so the seal is what fails
            sendAndSettle(attacker, garbage);
            assertThat(counter("relay_dropped_token_bad_mac_total")).isEqualTo(1);
            byte[] oversized = new byte[RelayLimits.defaults().maxDatagramBytes() + 1];
            oversized[0] = RelayDatagram.JOIN;
            sendAndSettle(attacker, oversized);
            assertThat(counter("relay_dropped_oversized_total")).isEqualTo(1);
            assertThat(attacker.received()).isEmpty();
            assertThat(counter("relay_joins_total")).isZero();
        }
    }
}
