package org.parley.bench.load;

/**
 * The intended send times of an open-loop load: message {@code i} is due at
 * {@code start + i / rate}, whatever happened to the messages before it. Latency is measured from
 * this intended time, not from when the generator got round to sending, so a server that stalls
 * cannot hide the stall by slowing the generator down (coordinated omission).
 */
public final class OpenLoopSchedule {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long startNanos;
    private final double ratePerSecond;
    private long issued;

    /** A schedule of {@code ratePerSecond} messages per second beginning at {@code startNanos}. */
    public OpenLoopSchedule(long startNanos, double ratePerSecond) {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("rate must be a positive number of messages per second, got " + ratePerSecond);
        }
        this.startNanos = startNanos;
        this.ratePerSecond = ratePerSecond;
    }

    /** How many messages are due by {@code nowNanos} in total (issued or not). */
    public long dueBy(long nowNanos) {
        if (nowNanos < startNanos) {
            return 0;
        }
        // Message i is due at start + i/rate, so by time t messages 0..floor((t-start)*rate) are due.
        return (long) Math.floor((nowNanos - startNanos) * ratePerSecond / NANOS_PER_SECOND) + 1;
    }

    /** The intended send time of message {@code index}. */
    public long intendedNanos(long index) {
        return startNanos + (long) (index * (NANOS_PER_SECOND / ratePerSecond));
    }

    /**
     * Claims the messages that are due by {@code nowNanos} and not yet claimed; returns the index of
     * the first one and how many, packed as {@link Batch}. A late caller gets all it missed, each
     * with its own intended time.
     */
    public Batch claimDue(long nowNanos) {
        long due = dueBy(nowNanos);
        long first = issued;
        long count = Math.max(0, due - issued);
        issued += count;
        return new Batch(first, count);
    }

    /** Messages claimed so far. */
    public long issued() {
        return issued;
    }

    /** A run of consecutive message indexes: {@code first .. first+count-1}. */
    public record Batch(long first, long count) {
    }
}
