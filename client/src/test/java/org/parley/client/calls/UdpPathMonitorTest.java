package org.parley.client.calls;

import org.junit.jupiter.api.Test;
import org.parley.client.testnet.ImpairedUdpPath.Throttle;
import org.parley.client.testnet.ThrottleQueue;

import java.util.PriorityQueue;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The UDP path detector on simulated time: a participant sending and receiving a voice call
 * (125-byte datagrams every 20 ms each way, as 32 kbit/s Opus is on the wire) and probing every
 * 50 ms, across a simulated path with delay, jitter, loss and the same throttle queue the
 * network tests use. No sleeps; every run is the seed's.
 */
class UdpPathMonitorTest {
    private static final int AUDIO_BYTES = 125;
    private static final int PROBE_BYTES = 9;
    private static final int FRAME_MILLIS = 20;
    private static final int PROBE_MILLIS = 50;
    private static final long OTHER = 7;
    private static final Throttle SIXTEEN_KBITS_DEEP = new Throttle(16_000, 4_000);
    private static final Throttle SIXTEEN_KBITS_SHALLOW = new Throttle(16_000, 1_000);
    private static final Throttle SIXTEEN_KBITS_POLICER = new Throttle(16_000, 0);

    /** The first verdict other than usable, and when (simulated ms), or none. */
    private record Outcome(long at, UdpPathMonitor.Verdict verdict) {
        static final Outcome NONE = new Outcome(-1, UdpPathMonitor.Verdict.USABLE);
    }

    /** A path and what happens on it; build one, then {@link #run}. */
    private static final class Simulation {
        final UdpPathMonitor monitor = new UdpPathMonitor();
        final SplittableRandom random;
        final PriorityQueue<long[]> events = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]) != 0
                ? Long.compare(a[0], b[0]) : Long.compare(a[4], b[4]));
        final ThrottleQueue upQueue = new ThrottleQueue();
        final ThrottleQueue downQueue = new ThrottleQueue();
        int oneWayMillis = 5;
        int jitterMillis;
        double lossShare;
        Throttle up = Throttle.NONE;
        Throttle down = Throttle.NONE;
        long throttleFrom;
        long darkFrom = Long.MAX_VALUE;
        /** The receiving thread reads nothing in [stallFrom, stallUntil); with {@code processStall} neither does the prober judge. */
        long stallFrom = Long.MAX_VALUE;
        long stallUntil = Long.MAX_VALUE;
        boolean processStall;
        long sequenceJump;
        long order;

        Simulation(long seed) {
            random = new SplittableRandom(seed);
        }

        private static final int RELAY_AUDIO = 0;
        private static final int RELAY_PONG = 1;
        private static final int ARRIVED_AUDIO = 2;
        private static final int ARRIVED_PONG = 3;

        private void at(long time, int kind, long value) {
            events.add(new long[] {time, kind, value, 0, order++});
        }

        private Throttle throttle(Throttle throttle, long now) {
            return now >= throttleFrom ? throttle : Throttle.NONE;
        }

        /** Through one direction: when it comes out the other end, or -1 if lost. */
        private long cross(ThrottleQueue queue, Throttle throttle, int bytes, long now) {
            if (now >= darkFrom || random.nextDouble() < lossShare) {
                return -1;
            }
            long queued = queue.admit(throttle(throttle, now), bytes, now * 1_000_000);
            if (queued < 0) {
                return -1;
            }
            int jitter = jitterMillis == 0 ? 0 : random.nextInt(2 * jitterMillis + 1) - jitterMillis;
            return now + queued / 1_000_000 + Math.max(1, oneWayMillis + jitter);
        }

        /** When the receiving thread gets to a datagram that arrived at {@code time}. */
        private long read(long time) {
            return time >= stallFrom && time < stallUntil ? stallUntil : time;
        }

        Outcome run(long millis) {
            monitor.restart(0);
            long probeId = 0;
            long sequence = 0;
            Outcome first = Outcome.NONE;
            for (long now = 0; now < millis; now++) {
                while (!events.isEmpty() && events.peek()[0] <= now) {
                    long[] event = events.poll();
                    switch ((int) event[1]) {
                        case RELAY_AUDIO -> {
                            long arrives = cross(downQueue, down, AUDIO_BYTES, now);
                            if (arrives >= 0) {
                                at(read(arrives), ARRIVED_AUDIO, event[2]);
                            }
                        }
                        case RELAY_PONG -> {
                            long arrives = cross(downQueue, down, PROBE_BYTES, now);
                            if (arrives >= 0) {
                                at(read(arrives), ARRIVED_PONG, event[2]);
                            }
                        }
                        case ARRIVED_AUDIO -> monitor.audioReceived(OTHER, event[2], now);
                        case ARRIVED_PONG -> monitor.pongReceived(event[2], now);
                        default -> throw new AssertionError(event[1]);
                    }
                }
                if (now % FRAME_MILLIS == 0) {
                    cross(upQueue, up, AUDIO_BYTES, now); // this participant's audio: it only fills the queue
                    at(now + oneWayMillis, RELAY_AUDIO, sequence);
                    sequence += sequenceJump == 0 ? 1 : sequenceJump;
                }
                boolean stalled = processStall && now >= stallFrom && now < stallUntil;
                if (now % PROBE_MILLIS == 0 && !stalled) {
                    monitor.probeSent(++probeId, now);
                    long atRelay = cross(upQueue, up, PROBE_BYTES, now);
                    if (atRelay >= 0) {
                        at(atRelay, RELAY_PONG, probeId);
                    }
                    UdpPathMonitor.Verdict verdict = monitor.judge(now);
                    if (verdict.condition() != UdpPathMonitor.Condition.USABLE && first == Outcome.NONE) {
                        first = new Outcome(now, verdict);
                    }
                }
            }
            return first;
        }
    }

    @Test
    void aHealthyPathWithJitterAndTwoPercentLossIsUsableForTwentySeconds() {
        assertUsableForTwentySeconds(30, 20, 0.02);
    }

    @Test
    void fivePercentLossAndAHundredMillisecondsEachWayIsStillUsable() {
        assertUsableForTwentySeconds(100, 10, 0.05);
    }

    /** Twenty simulated seconds on each of twenty seeds, without a verdict. */
    private static void assertUsableForTwentySeconds(int oneWayMillis, int jitterMillis, double lossShare) {
        for (long seed = 1; seed <= 20; seed++) {
            Simulation path = new Simulation(seed);
            path.oneWayMillis = oneWayMillis;
            path.jitterMillis = jitterMillis;
            path.lossShare = lossShare;
            assertThat(path.run(20_000)).as("seed %d", seed).isEqualTo(Outcome.NONE);
        }
    }

    @Test
    void aShaperAtSixteenKilobitsWithADeepQueueIsThrottledWithinTwoSecondsOfTheCallsStart() {
        Simulation path = new Simulation(1);
        path.up = SIXTEEN_KBITS_DEEP;
        path.down = SIXTEEN_KBITS_DEEP;
        Outcome outcome = path.run(10_000);
        assertThat(outcome.verdict().condition()).isEqualTo(UdpPathMonitor.Condition.THROTTLED);
        assertThat(outcome.at()).isBetween(1L, 2_000L);
    }

    @Test
    void aShaperWithAShallowQueueSwitchedOnMidCallIsThrottledWithinTwoSeconds() {
        Simulation path = new Simulation(2);
        path.oneWayMillis = 20;
        path.jitterMillis = 5;
        path.up = SIXTEEN_KBITS_SHALLOW;
        path.down = SIXTEEN_KBITS_SHALLOW;
        path.throttleFrom = 5_000;
        Outcome outcome = path.run(15_000);
        assertThat(outcome.verdict().condition()).isEqualTo(UdpPathMonitor.Condition.THROTTLED);
        assertThat(outcome.at() - path.throttleFrom).isBetween(0L, 2_000L);
    }

    @Test
    void aPolicerOnTheWayInIsSeenFromTheAudioItLoses() {
        Simulation path = new Simulation(3);
        path.down = SIXTEEN_KBITS_POLICER;
        path.throttleFrom = 3_000;
        Outcome outcome = path.run(10_000);
        assertThat(outcome.verdict().condition()).isEqualTo(UdpPathMonitor.Condition.THROTTLED);
        assertThat(outcome.verdict().reason()).contains("audio lost");
        assertThat(outcome.at() - path.throttleFrom).isBetween(0L, 2_000L);
    }

    @Test
    void aPathThatGoesDarkIsDarkNotThrottled() {
        for (int oneWay : new int[] {1, 30, 100, 180}) {
            Simulation path = new Simulation(4);
            path.oneWayMillis = oneWay;
            path.darkFrom = 4_000;
            Outcome outcome = path.run(10_000);
            assertThat(outcome.verdict().condition()).as("%d ms each way", oneWay).isEqualTo(UdpPathMonitor.Condition.DARK);
            assertThat(outcome.at() - path.darkFrom).as("%d ms each way", oneWay).isBetween(0L, 2_000L);
        }
    }

    @Test
    void aHiccupOfTheReceivingThreadIsNotAThrottle() {
        assertPauseIsNoVerdict(300, false);
    }

    @Test
    void aSecondLongPauseOfTheWholeProcessIsNotAThrottle() {
        assertPauseIsNoVerdict(1_000, true);
    }

    /** A pause of {@code millis} 5 s into a call on a clean 10 ms path, of the receiving thread or {@code ofTheProcess}. */
    private static void assertPauseIsNoVerdict(long millis, boolean ofTheProcess) {
        Simulation path = new Simulation(millis);
        path.oneWayMillis = 10;
        path.stallFrom = 5_000;
        path.stallUntil = 5_000 + millis;
        path.processStall = ofTheProcess;
        assertThat(path.run(10_000)).isEqualTo(Outcome.NONE);
    }

    @Test
    void sequenceNumbersThatJumpAreNotCountedAsLoss() {
        Simulation path = new Simulation(7);
        path.sequenceJump = 1_000_000;
        assertThat(path.run(5_000)).isEqualTo(Outcome.NONE);
    }

    @Test
    void withTooLittleSeenThereIsNoVerdict() {
        UdpPathMonitor monitor = new UdpPathMonitor();
        monitor.restart(0);
        for (long sequence = 0; sequence < 20; sequence += 2) {
            monitor.audioReceived(OTHER, sequence, sequence * FRAME_MILLIS);
        }
        for (long id = 1; id <= 10; id++) {
            monitor.probeSent(id, id * PROBE_MILLIS);
        }
        assertThat(monitor.judge(600).condition()).as("half the audio lost, but only 20 frames due; 10 probes unanswered").isEqualTo(UdpPathMonitor.Condition.USABLE);
    }

    /** A monitor that heard every other of {@code frames} audio frames of one sender, spread over a window: half lost. */
    private static UdpPathMonitor hearingEveryOtherFrame(long frames) {
        UdpPathMonitor monitor = new UdpPathMonitor();
        monitor.restart(0);
        for (long sequence = 0; sequence < frames; sequence += 2) {
            monitor.audioReceived(OTHER, sequence, sequence * UdpPathMonitor.AUDIO_WINDOW_MILLIS / frames);
        }
        assertThat(monitor.judge(UdpPathMonitor.AUDIO_WINDOW_MILLIS).condition()).isEqualTo(UdpPathMonitor.Condition.THROTTLED);
        return monitor;
    }

    @Test
    void aFloodOfAudioFramesIsJudgedOnTheLatestOnly() {
        UdpPathMonitor monitor = new UdpPathMonitor();
        monitor.restart(0);
        // Every other frame of a hostile sender, 50,000 within the window, then a complete stream in the
        // next 50 ms: memory keeps the newest arrivals only, so the flood (still within the window) is gone.
        long flood = 100L * UdpPathMonitor.MAX_AUDIO_ARRIVALS;
        for (long sequence = 0; sequence < flood; sequence += 2) {
            monitor.audioReceived(OTHER, sequence, sequence * UdpPathMonitor.AUDIO_WINDOW_MILLIS / flood);
        }
        long now = UdpPathMonitor.AUDIO_WINDOW_MILLIS;
        for (long sequence = 0; sequence < UdpPathMonitor.MAX_AUDIO_ARRIVALS; sequence++) {
            monitor.audioReceived(OTHER + 1, sequence, now + sequence * 50 / UdpPathMonitor.MAX_AUDIO_ARRIVALS);
        }
        assertThat(monitor.judge(now + 50).condition()).isEqualTo(UdpPathMonitor.Condition.USABLE);
    }

    @Test
    void oneBurstLostIsNotAThrottle() {
        UdpPathMonitor monitor = new UdpPathMonitor();
        monitor.restart(0);
        // 60 frames in 1.2 s, of which 20 in a row never came (a third): all in the second half.
        for (long sequence = 0; sequence < 60; sequence++) {
            if (sequence < 35 || sequence >= 55) {
                monitor.audioReceived(OTHER, sequence, sequence * FRAME_MILLIS);
            }
        }
        assertThat(monitor.judge(60 * FRAME_MILLIS).condition()).isEqualTo(UdpPathMonitor.Condition.USABLE);
    }

    @Test
    void restartForgetsWhatWasSeen() {
        UdpPathMonitor monitor = hearingEveryOtherFrame(100);
        monitor.restart(UdpPathMonitor.AUDIO_WINDOW_MILLIS);
        assertThat(monitor.judge(UdpPathMonitor.AUDIO_WINDOW_MILLIS + 1).condition()).isEqualTo(UdpPathMonitor.Condition.USABLE);
    }
}
