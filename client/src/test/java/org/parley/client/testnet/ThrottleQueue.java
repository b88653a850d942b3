package org.parley.client.testnet;

import java.util.ArrayDeque;

/**
 * The queue of an {@link ImpairedUdpPath.Throttle}: datagrams leave one after another at the
 * throttle's rate, at most {@code queueBytes} wait behind the one leaving, and one that does not
 * fit is dropped. Time is passed in (nanoseconds), so it runs as well on simulated time (the call
 * detector's unit tests) as on the real clock. Not thread-safe.
 */
public final class ThrottleQueue {
    /** Lengths and departure times of the datagrams not yet gone, oldest first. */
    private final ArrayDeque<long[]> queue = new ArrayDeque<>();
    private long queuedBytes;
    /** When everything queued has left. */
    private long linkFreeAt = Long.MIN_VALUE;

    /**
     * Queues a datagram of {@code length} bytes arriving at {@code now} behind {@code throttle}:
     * returns how long until it has left (nanoseconds; 0 without a throttle), or -1 when the
     * queue is full and it is dropped.
     */
    public long admit(ImpairedUdpPath.Throttle throttle, int length, long now) {
        while (!queue.isEmpty() && queue.peekFirst()[1] <= now) {
            queuedBytes -= queue.pollFirst()[0];
        }
        if (throttle.bitsPerSecond() == 0) {
            return 0;
        }
        // The datagram leaving now is on the wire, not waiting: it does not count against the queue.
        long waiting = queue.isEmpty() ? 0 : queuedBytes - queue.peekFirst()[0];
        if (!queue.isEmpty() && waiting + length > throttle.queueBytes()) {
            return -1;
        }
        long leaves = (queue.isEmpty() ? now : Math.max(now, linkFreeAt)) + length * 8L * 1_000_000_000L / throttle.bitsPerSecond();
        linkFreeAt = leaves;
        queue.addLast(new long[] {length, leaves});
        queuedBytes += length;
        return leaves - now;
    }
}
