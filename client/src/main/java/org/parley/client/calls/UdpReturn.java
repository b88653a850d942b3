package org.parley.client.calls;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Brings a call's media back to UDP after it left a throttled UDP path (issue 15), without
 * flapping. From {@link #HOLD_MILLIS} after the move, it runs trials at growing gaps: for
 * {@link #TRIAL_MILLIS} it sends PINGs padded to a voice frame's size at the call's packet rate
 * (a throttle lets small probes through, so only a call's load tells), the relay answers them at
 * the endpoint the participant left, and the same {@link UdpPathMonitor} rules judge the path.
 * Only a trial that finds it usable says to JOIN over UDP again. It also holds media on UDP for
 * {@link #HOLD_MILLIS} after any switch against a throttled verdict, so that there is at most
 * one switch per 30 s either way. Times are milliseconds on a monotonic clock. Not thread-safe:
 * the transport calls it under the lock that guards the monitor.
 */
final class UdpReturn {
    /** Issue 15: at most one switch per 30 s while conditions stay the same. */
    static final long HOLD_MILLIS = 30_000;
    /** Long enough for the monitor's loss window, its PONG grace and a queue window to fill. */
    static final long TRIAL_MILLIS = UdpPathMonitor.PROBE_LOSS_WINDOW_MILLIS + UdpPathMonitor.PONG_GRACE_MILLIS + 100;
    static final long MAX_GAP_MILLIS = 8 * HOLD_MILLIS;
    /** About a voice frame (32 kbit/s Opus with its headers) on the wire. */
    static final int PROBE_BYTES = 125;
    /** Probes per probe tick of the transport, which together match a call's 50 packets a second. */
    static final int PROBES_PER_TICK = Math.max(1, RelayTransport.PROBE_MILLIS / 20);

    private final UdpPathMonitor monitor;
    private final Consumer<byte[]> sendUdp;
    private long lastSwitchAt = Long.MIN_VALUE / 2;
    private long gap = HOLD_MILLIS;
    private long trialFrom = Long.MAX_VALUE;
    private boolean trialRunning;
    /** Trial probes count down from -1, so they never share an id with the transport's own PINGs. */
    private long nextProbeId = -1;

    UdpReturn(UdpPathMonitor monitor, Consumer<byte[]> sendUdp) {
        this.monitor = monitor;
        this.sendUdp = sendUdp;
    }

    /**
     * Media moved (either way) at {@code now}; if it {@code leftThrottled} UDP, the first trial
     * starts {@link #HOLD_MILLIS} later.
     */
    void switched(long now, boolean leftThrottled) {
        lastSwitchAt = now;
        trialRunning = false;
        gap = HOLD_MILLIS;
        trialFrom = leftThrottled ? now + gap : Long.MAX_VALUE;
    }

    /**
     * Takes over the schedule of {@code earlier}, whose transport re-joined with a fresh token
     * (the same call, the same path): the hold after the last switch and the gaps between trials
     * go on. A trial under way starts again at {@code now}, whole, since what it had seen went
     * with the old transport's monitor.
     */
    void continueFrom(UdpReturn earlier, long now) {
        lastSwitchAt = earlier.lastSwitchAt;
        gap = earlier.gap;
        trialFrom = earlier.trialRunning ? now : earlier.trialFrom;
        trialRunning = false;
        nextProbeId = earlier.nextProbeId;
    }

    /** Whether a throttled verdict at {@code now} may move media off UDP: not within 30 s of a switch. */
    boolean mayLeave(long now) {
        return now - lastSwitchAt >= HOLD_MILLIS;
    }

    /**
     * One probe tick while media is on the WebSocket after a throttle: sends the trial's probes if
     * one is running, and at its end judges. True means the path carried the load: JOIN over UDP.
     */
    boolean tick(long now) {
        if (now < trialFrom) {
            return false;
        }
        if (now >= trialFrom + TRIAL_MILLIS) {
            UdpPathMonitor.Verdict verdict = monitor.judge(now);
            gap = Math.min(2 * gap, MAX_GAP_MILLIS);
            trialFrom = now + gap;
            trialRunning = false;
            return verdict.condition() == UdpPathMonitor.Condition.USABLE && mayLeave(now);
        }
        if (!trialRunning) {
            // What the monitor saw before the move says nothing about the path now.
            monitor.restart(now);
            trialRunning = true;
        }
        for (int i = 0; i < PROBES_PER_TICK; i++) {
            long id = nextProbeId--;
            monitor.probeSent(id, now);
            sendUdp.accept(ByteBuffer.allocate(PROBE_BYTES).put(RelayTransport.PING).putLong(id).array());
        }
        return false;
    }
}
