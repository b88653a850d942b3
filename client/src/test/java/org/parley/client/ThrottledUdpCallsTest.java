package org.parley.client;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.parley.client.calls.CallMedia;
import org.parley.client.calls.CallStats;
import org.parley.client.testkit.Eventually;
import org.parley.client.testnet.ImpairedUdpPath;
import org.parley.client.testnet.ImpairedUdpPath.Impairment;
import org.parley.media.audio.Signals;
import org.parley.server.ServerConfig;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * Calls on a throttled, not dropped, UDP path (issue 15), with the server in a network namespace
 * ({@link NamespacedCallsTestBase}) and the caller's UDP through a seeded impairment path that
 * caps each direction at 16 kbit/s behind a queue, as a censor's shaper does: the call must move
 * to the WebSocket within 3 s, the audio after the switch must still match, and it must not
 * switch again while the throttle stays, not even after its first try of UDP 30 s later; once
 * the throttle is lifted it comes back to UDP, no sooner than 30 s after it left. A healthy path with ordinary jitter and loss must not
 * switch at all.
 */
@Tag("netns")
@Tag("realtime")
class ThrottledUdpCallsTest extends NamespacedCallsTestBase {
    /** Issue 15: the call moves to the WebSocket within 3 s of UDP being throttled. */
    private static final long SWITCH_LIMIT_MILLIS = 3_000;
    /** Issue 15: at most one switch in this long while conditions stay the same. */
    private static final long NO_FLAPPING_MILLIS = 30_000;
    /** The client tries UDP again 30 s after leaving it, for 2.5 s: this long after the switch that try is over. */
    private static final long FIRST_RETURN_TRIAL_OVER_MILLIS = NO_FLAPPING_MILLIS + 4_000;
    private static final int THROTTLE_BITS_PER_SECOND = 16_000;
    /** Two seconds of queue at the rate: the throttle delays before it loses. */
    private static final int DEEP_QUEUE_BYTES = 4_000;
    /** Half a second of queue at the rate: the throttle soon loses. */
    private static final int SHALLOW_QUEUE_BYTES = 1_000;
    private static final long SEED = 15;
    /** Call tokens short enough to be refreshed while the call is on the WebSocket. */
    private static final Duration TOKEN_LIFETIME = Duration.ofSeconds(32);
    /** Frames in flight when media moved (lost or late in the throttle's queue) are left out of the comparison. */
    private static final int SETTLE_FRAMES = 500 / FRAME_MILLIS;

    @Test
    void throttledFromTheStartTheCallMovesToTheWebSocketWithinThreeSecondsAndSwitchesOnceInThirtySeconds() throws Exception {
        ThrottledCall throttled = throttledFromTheStart(SEED, (int) (SWITCH_LIMIT_MILLIS + FIRST_RETURN_TRIAL_OVER_MILLIS) / 1_000 + 2, 21);
        ImpairedUdpPath udp = throttled.udp();
        CallMedia alice = throttled.alice();
        CallMedia bob = throttled.bob();
        short[] aliceSays = throttled.aliceSays();
        short[] bobSays = throttled.bobSays();
        long switched = awaitTransport("tcp", throttled.start(), alice)[0];
        int switchFrame = (int) Math.max(alice.stats().framesSent(), bob.stats().framesSent());
        assertThat(switched).as("alice moved to the WebSocket (ms after the call started)").isLessThan(SWITCH_LIMIT_MILLIS);

        eventually("the call stayed up 30 s after the switch", Duration.ofMillis(NO_FLAPPING_MILLIS).plus(Eventually.WAIT),
                () -> alice.stats().framesSent() >= switchFrame + NO_FLAPPING_MILLIS / FRAME_MILLIS);
        assertThat(alice.currentTransport()).as("alice stayed on the WebSocket for 30 s").isEqualTo("tcp");
        eventually("the call stayed up through the first try of UDP after the switch",
                () -> alice.stats().framesSent() >= switchFrame + FIRST_RETURN_TRIAL_OVER_MILLIS / FRAME_MILLIS);
        assertThat(alice.currentTransport()).as("alice stayed on the WebSocket").isEqualTo("tcp");
        awaitPlayedOut(alice, bob);
        Heard heard = afterTheSwitch(switchFrame, aliceSays, bobSays, alice, bob);
        CallStats aliceStats = alice.stats();
        CallStats bobStats = bob.stats();
        assertThat(aliceStats.switches()).as("alice's switches in %d s", aliceStats.framesSent() * FRAME_MILLIS / 1_000).isEqualTo(1);
        assertThat(bobStats.switches()).as("bob's switches").isLessThanOrEqualTo(1);
        assertThat(aliceStats.leftUdpBecause()).startsWith("throttled");
        assertThat(udp.throttled()).as("the throttle dropped datagrams").isPositive();
        report("UDP throttled to %d kbit/s (%d-byte queue) from the start: alice moved to the WebSocket %d ms after the call started; "
                        + "correlation after the switch %.3f (bob hears alice), %.3f (alice hears bob); throttle dropped %d datagrams; "
                        + "alice: %s; bob: %s", THROTTLE_BITS_PER_SECOND / 1_000, DEEP_QUEUE_BYTES, switched, heard.bobHearsAlice(),
                heard.aliceHearsBob(), udp.throttled(), aliceStats.describe(), bobStats.describe());
    }

    @Test
    void aThrottleLiftedMidCallBringsTheCallBackToUdpNoSoonerThanThirtySecondsAfterItLeft() throws Exception {
        // Eight seconds of the call on UDP again after the first try, at the latest.
        ThrottledCall throttled = throttledFromTheStart(SEED + 3, (int) (SWITCH_LIMIT_MILLIS + FIRST_RETURN_TRIAL_OVER_MILLIS) / 1_000 + 8, 27);
        ImpairedUdpPath udp = throttled.udp();
        CallMedia alice = throttled.alice();
        CallMedia bob = throttled.bob();
        short[] aliceSays = throttled.aliceSays();
        short[] bobSays = throttled.bobSays();
        awaitTransport("tcp", throttled.start(), alice);
        long left = System.nanoTime();
        int switchFrame = (int) Math.max(alice.stats().framesSent(), bob.stats().framesSent());

        Thread.sleep(NO_FLAPPING_MILLIS / 2);
        assertThat(alice.currentTransport()).as("alice still on the WebSocket halfway").isEqualTo("tcp");
        udp.impair(Impairment.NONE);
        awaitTransport("udp", System.nanoTime(), alice);
        long back = millisSince(left);
        assertThat(back).as("alice came back to UDP (ms after she left it)").isBetween(NO_FLAPPING_MILLIS, FIRST_RETURN_TRIAL_OVER_MILLIS);

        awaitPlayedOut(alice, bob);
        Heard heard = afterTheSwitch(switchFrame, aliceSays, bobSays, alice, bob);
        CallStats aliceStats = alice.stats();
        assertThat(alice.currentTransport()).as("alice stayed on UDP").isEqualTo("udp");
        assertThat(aliceStats.switches()).as("alice's switches: away and back").isEqualTo(2);
        assertThat(bob.stats().switches()).as("bob's switches").isLessThanOrEqualTo(1);
        report("UDP throttled to %d kbit/s from the start, lifted %d s after alice moved to the WebSocket: back on UDP %d ms after "
                        + "she left it; correlation from the first switch on %.3f (bob hears alice), %.3f (alice hears bob); alice: %s; bob: %s",
                THROTTLE_BITS_PER_SECOND / 1_000, NO_FLAPPING_MILLIS / 2_000, back, heard.bobHearsAlice(), heard.aliceHearsBob(),
                aliceStats.describe(), bob.stats().describe());
    }

    /**
     * A call token refreshed while the call is on the WebSocket because UDP is throttled: the call
     * stays there (the network is the same), and its trials of UDP go on as scheduled from the
     * address the relay answers them at, so the call still comes back once the throttle is lifted.
     */
    @Test
    void aCallTokenRefreshedWhileUdpIsThrottledKeepsTheWayBackToUdp() throws Exception {
        // Refreshed at three quarters of its life: 24 s into the call, between the move and the first try of UDP (30 s after
        // the move), and again at 48 s, well after that try: a call that came back only with a refresh would come too late.
        ThrottledCall throttled = throttledFromTheStart(SEED + 4, (int) (SWITCH_LIMIT_MILLIS + FIRST_RETURN_TRIAL_OVER_MILLIS) / 1_000 + 8,
                29, TOKEN_LIFETIME);
        ImpairedUdpPath udp = throttled.udp();
        CallMedia alice = throttled.alice();
        CallMedia bob = throttled.bob();
        awaitTransport("tcp", throttled.start(), alice);
        long left = System.nanoTime();
        int switchFrame = (int) Math.max(alice.stats().framesSent(), bob.stats().framesSent());

        eventually("alice refreshed her call token on the WebSocket", () -> alice.stats().rejoins() >= 1);
        assertThat(alice.currentTransport()).as("the refresh kept alice on the WebSocket").isEqualTo("tcp");
        assertThat(millisSince(left)).as("the refresh came before the first try of UDP").isLessThan(NO_FLAPPING_MILLIS);
        udp.impair(Impairment.NONE);
        awaitTransport("udp", System.nanoTime(), alice);
        long back = millisSince(left);
        assertThat(back).as("alice came back to UDP (ms after she left it)").isBetween(NO_FLAPPING_MILLIS, FIRST_RETURN_TRIAL_OVER_MILLIS);

        awaitPlayedOut(alice, bob);
        Heard heard = afterTheSwitch(switchFrame, throttled.aliceSays(), throttled.bobSays(), alice, bob);
        CallStats aliceStats = alice.stats();
        assertThat(aliceStats.switches()).as("alice's switches: away and back").isEqualTo(2);
        report("UDP throttled to %d kbit/s from the start, call tokens of %d s: refreshed on the WebSocket, back on UDP %d ms after "
                        + "alice left it; correlation from the first switch on %.3f (bob hears alice), %.3f (alice hears bob); alice: %s; bob: %s",
                THROTTLE_BITS_PER_SECOND / 1_000, TOKEN_LIFETIME.toSeconds(), back, heard.bobHearsAlice(), heard.aliceHearsBob(),
                aliceStats.describe(), bob.stats().describe());
    }

    @Test
    void throttledMidCallTheCallMovesToTheWebSocketWithinThreeSecondsAndTheAudioStillMatches() throws Exception {
        ImpairedCall impaired = ringBehindImpairedPath(SEED + 1);
        ImpairedUdpPath udp = impaired.udp();
        short[] aliceSays = Signals.speechLike(12, 23);
        short[] bobSays = Signals.speechLike(12, 24);
        CallMedia alice = impaired.call().caller().join();
        CallMedia bob = impaired.call().callee().join();
        assertThat(alice.currentTransport()).isEqualTo("udp");
        alice.play(aliceSays);
        bob.play(bobSays);
        eventually("3 s of the call went over UDP", () -> alice.stats().framesSent() >= 3_000 / FRAME_MILLIS);

        long throttled = System.nanoTime();
        udp.impair(Impairment.throttled(THROTTLE_BITS_PER_SECOND, SHALLOW_QUEUE_BYTES));
        long switched = awaitTransport("tcp", throttled, alice)[0];
        int switchFrame = (int) Math.max(alice.stats().framesSent(), bob.stats().framesSent());
        assertThat(switched).as("alice moved to the WebSocket (ms after UDP was throttled)").isLessThan(SWITCH_LIMIT_MILLIS);

        awaitPlayedOut(alice, bob);
        Heard heard = afterTheSwitch(switchFrame, aliceSays, bobSays, alice, bob);
        CallStats aliceStats = alice.stats();
        CallStats bobStats = bob.stats();
        assertThat(alice.currentTransport()).as("alice stayed on the WebSocket").isEqualTo("tcp");
        assertThat(aliceStats.switches()).isEqualTo(1);
        assertThat(bobStats.switches()).isLessThanOrEqualTo(1);
        report("UDP throttled to %d kbit/s (%d-byte queue) mid-call: alice moved to the WebSocket %d ms after; correlation after the "
                        + "switch %.3f (bob hears alice), %.3f (alice hears bob); alice: %s; bob: %s", THROTTLE_BITS_PER_SECOND / 1_000,
                SHALLOW_QUEUE_BYTES, switched, heard.bobHearsAlice(), heard.aliceHearsBob(), aliceStats.describe(), bobStats.describe());
    }

    @Test
    void aHealthyPathWithJitterAndTwoPercentLossStaysOnUdpForTwentySeconds() throws Exception {
        ImpairedCall impaired = ringBehindImpairedPath(SEED + 2);
        ImpairedUdpPath udp = impaired.udp();
        // 30 ms each way, give or take 20; 2% lost; 1% held back 30 ms more, so it comes out of order.
        udp.impair(new Impairment(0.02, 30, 20, 0.01, 30, ImpairedUdpPath.Throttle.NONE));
        short[] aliceSays = Signals.speechLike(20, 25);
        short[] bobSays = Signals.speechLike(20, 26);
        CallMedia alice = impaired.call().caller().join();
        CallMedia bob = impaired.call().callee().join();
        alice.play(aliceSays);
        bob.play(bobSays);
        awaitPlayedOut(alice, bob);
        CallStats aliceStats = alice.stats();
        CallStats bobStats = bob.stats();
        assertThat(aliceStats.framesSent()).isEqualTo(aliceSays.length / FRAME_SAMPLES);
        assertThat(udp.dropped()).as("the path dropped datagrams").isPositive();
        assertThat(aliceStats.transport()).isEqualTo("udp");
        assertThat(aliceStats.switches()).as("alice's switches (left UDP: %s)", aliceStats.leftUdpBecause()).isZero();
        assertThat(bobStats.switches()).as("bob's switches (left UDP: %s)", bobStats.leftUdpBecause()).isZero();
        report("30 ms +-20 ms each way, 2%% loss, 1%% reordered, 20 s: no switch; path passed %d and dropped %d datagrams; "
                + "alice: %s; bob: %s", udp.passed(), udp.dropped(), aliceStats.describe(), bobStats.describe());
    }

    /** A call whose caller's UDP is throttled from its start (nanoTime), both sides playing {@code seconds} of speech. */
    private record ThrottledCall(ImpairedUdpPath udp, CallMedia alice, CallMedia bob, short[] aliceSays, short[] bobSays, long start) {
    }

    /** Rings through the seeded impairment path (seed {@code seed}) throttled deep, then both join and speak (voices from {@code voice}). */
    private ThrottledCall throttledFromTheStart(long seed, int seconds, int voice) throws Exception {
        return throttledFromTheStart(seed, seconds, voice, ServerConfig.Calls.DEFAULT_TOKEN_LIFETIME);
    }

    /** As above, with call tokens that last {@code tokenLifetime}. */
    private ThrottledCall throttledFromTheStart(long seed, int seconds, int voice, Duration tokenLifetime) throws Exception {
        ImpairedCall impaired = ringBehindImpairedPath(seed, tokenLifetime);
        impaired.udp().impair(Impairment.throttled(THROTTLE_BITS_PER_SECOND, DEEP_QUEUE_BYTES));
        short[] aliceSays = Signals.speechLike(seconds, voice);
        short[] bobSays = Signals.speechLike(seconds, voice + 1);
        long start = System.nanoTime();
        CallMedia alice = impaired.call().caller().join();
        CallMedia bob = impaired.call().callee().join();
        alice.play(aliceSays);
        bob.play(bobSays);
        return new ThrottledCall(impaired.udp(), alice, bob, aliceSays, bobSays, start);
    }

    private record Heard(double bobHearsAlice, double aliceHearsBob) {
    }

    /** Correlations of what each said with what the other heard, from just after {@code switchFrame}; both at least 0.9. */
    private static Heard afterTheSwitch(int switchFrame, short[] aliceSays, short[] bobSays, CallMedia alice, CallMedia bob) {
        int from = switchFrame + SETTLE_FRAMES;
        Heard heard = new Heard(correlationFrom(from, aliceSays, bob.recording()), correlationFrom(from, bobSays, alice.recording()));
        assertThat(heard.bobHearsAlice()).as("after the switch bob hears alice").isGreaterThanOrEqualTo(0.9);
        assertThat(heard.aliceHearsBob()).as("after the switch alice hears bob").isGreaterThanOrEqualTo(0.9);
        return heard;
    }
}
