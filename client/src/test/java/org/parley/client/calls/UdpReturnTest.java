package org.parley.client.calls;

import org.junit.jupiter.api.Test;
import org.parley.client.testnet.ImpairedUdpPath.Throttle;
import org.parley.client.testnet.ThrottleQueue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When a call that left a throttled UDP path comes back, on simulated time: the trial PINGs go
 * through the same throttle queue the network tests use, both ways, and the relay answers each
 * with a PONG of its size. No sleeps.
 */
class UdpReturnTest {
    private static final Throttle SIXTEEN_KBITS_DEEP = new Throttle(16_000, 4_000);
    private static final Throttle SIXTEEN_KBITS_SHALLOW = new Throttle(16_000, 1_000);
    private static final long ONE_WAY_MILLIS = 5;

    /** A UDP path to a relay that answers every PING it gets, with the transport's probe ticks. */
    private static final class Path {
        final UdpPathMonitor monitor = new UdpPathMonitor();
        final List<byte[]> sent = new ArrayList<>();
        final PriorityQueue<long[]> pongs = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
        final ThrottleQueue up = new ThrottleQueue();
        final ThrottleQueue down = new ThrottleQueue();
        final UdpReturn udpReturn = new UdpReturn(monitor, this::send);
        Throttle throttle = Throttle.NONE;
        long now;

        private void send(byte[] ping) {
            sent.add(ping);
            long upDelay = up.admit(throttle, ping.length, now * 1_000_000);
            if (upDelay < 0) {
                return;
            }
            long atRelay = now + ONE_WAY_MILLIS + upDelay / 1_000_000;
            long downDelay = down.admit(throttle, ping.length, atRelay * 1_000_000);
            if (downDelay >= 0) {
                pongs.add(new long[] {atRelay + ONE_WAY_MILLIS + downDelay / 1_000_000, ByteBuffer.wrap(ping, 1, 8).getLong()});
            }
        }

        /** Ticks every probe interval until {@code until} (exclusive); the time of the first tick that says JOIN, or -1. */
        long runUntil(long until) {
            while (now < until) {
                while (!pongs.isEmpty() && pongs.peek()[0] <= now) {
                    long[] pong = pongs.poll();
                    monitor.pongReceived(pong[1], pong[0]);
                }
                if (udpReturn.tick(now)) {
                    return now;
                }
                now += RelayTransport.PROBE_MILLIS;
            }
            return -1;
        }
    }

    @Test
    void aPathThatCarriesTheLoadAgainIsRejoinedAfterThirtySecondsNotBefore() {
        Path path = new Path();
        path.udpReturn.switched(0, true);
        assertThat(path.runUntil(UdpReturn.HOLD_MILLIS)).as("nothing within 30 s of the move").isEqualTo(-1);
        assertThat(path.sent).as("no probes either").isEmpty();
        long rejoinAt = path.runUntil(UdpReturn.HOLD_MILLIS + 10_000);
        assertThat(rejoinAt).isBetween(UdpReturn.HOLD_MILLIS + UdpReturn.TRIAL_MILLIS,
                UdpReturn.HOLD_MILLIS + UdpReturn.TRIAL_MILLIS + RelayTransport.PROBE_MILLIS);
        assertThat(path.sent).allSatisfy(ping -> {
            assertThat(ping).hasSize(UdpReturn.PROBE_BYTES);
            assertThat(ping[0]).isEqualTo(RelayTransport.PING);
        });
        assertThat(path.sent.size() * 1_000L / UdpReturn.TRIAL_MILLIS).as("probes a second, near a call's 50")
                .isBetween(35L, 55L);
    }

    @Test
    void aPathStillThrottledIsNotRejoinedAndIsTriedAgainAtGrowingGaps() {
        for (Throttle throttle : new Throttle[] {SIXTEEN_KBITS_DEEP, SIXTEEN_KBITS_SHALLOW}) {
            Path path = new Path();
            path.throttle = throttle;
            path.udpReturn.switched(0, true);
            assertThat(path.runUntil(20 * 60_000)).as("rejoined through %s", throttle).isEqualTo(-1);
            // Trials at 30 s, then 60, 120, 240 s gaps and then every 240 s: 2.5 s each, so the
            // path carries call-sized probes for a small share of the time.
            long trials = path.sent.size() * (long) RelayTransport.PROBE_MILLIS / UdpReturn.PROBES_PER_TICK / UdpReturn.TRIAL_MILLIS;
            assertThat(trials).isBetween(6L, 9L);
        }
    }

    @Test
    void aThrottleLiftedBetweenTrialsIsRejoinedAtTheNextTrial() {
        Path path = new Path();
        path.throttle = SIXTEEN_KBITS_DEEP;
        path.udpReturn.switched(0, true);
        assertThat(path.runUntil(UdpReturn.HOLD_MILLIS + UdpReturn.TRIAL_MILLIS + 1_000)).isEqualTo(-1);
        path.throttle = Throttle.NONE;
        long rejoinAt = path.runUntil(10 * 60_000);
        long secondTrial = UdpReturn.HOLD_MILLIS + UdpReturn.TRIAL_MILLIS + 2 * UdpReturn.HOLD_MILLIS;
        assertThat(rejoinAt).isBetween(secondTrial, secondTrial + UdpReturn.TRIAL_MILLIS + RelayTransport.PROBE_MILLIS);
    }

    @Test
    void aThrottledVerdictMovesMediaAtMostOnceInThirtySecondsEitherWay() {
        UdpReturn udpReturn = new UdpReturn(new UdpPathMonitor(), ping -> { });
        assertThat(udpReturn.mayLeave(0)).as("before any switch").isTrue();
        udpReturn.switched(1_000, false);
        assertThat(udpReturn.mayLeave(1_000 + UdpReturn.HOLD_MILLIS - 1)).isFalse();
        assertThat(udpReturn.mayLeave(1_000 + UdpReturn.HOLD_MILLIS)).isTrue();
        assertThat(udpReturn.tick(1_000 + 10 * UdpReturn.HOLD_MILLIS)).as("no trials after a move that was not for a throttle")
                .isFalse();
    }
}
