package org.parley.media.jitter;

import java.util.Arrays;
import java.util.BitSet;
import java.util.TreeMap;

/**
 * A receive-side jitter buffer for one media stream: frames go in by sequence number as they
 * arrive, in any order, and come out in sequence order at their playout time, with a
 * {@link Playout.Lost} for each frame that did not make it, so the decoder conceals it.
 *
 * <p>Playout time of sequence {@code s} is {@code s * frameMillis + offset}. The offset follows
 * the network: it is the fastest transit seen in a recent window plus a target delay that
 * covers the spread of recent transits (their 98th percentile), or a late frame's delay, which
 * then decays, or, before enough frames were seen, an initial delay. It grows at once when the
 * network slows, and shrinks by at most a tenth of a frame per played frame, so catching up
 * is gentle. A frame arriving after its turn is counted late and dropped.
 *
 * <p>Time is passed in by the caller (milliseconds on the receiver's clock), so the buffer has
 * no thread and no clock and can be tested with simulated time. Memory is bounded by
 * {@code capacityFrames}. Not thread-safe.
 */
public final class JitterBuffer {
    /** Pass as a timestamp when the sender's capture time is unknown. */
    public static final long NO_TIMESTAMP = Long.MIN_VALUE;

    /** How an offered frame was handled. */
    public enum Arrival { ACCEPTED, DUPLICATE, LATE, OVERFLOW }

    /**
     * @param frameMillis    duration of one frame
     * @param minDelayMillis smallest target delay above the fastest transit
     * @param initialDelayMillis least target delay while fewer than {@value JitterBuffer#WARM_UP_FRAMES} frames
     *                       have arrived, when the spread of transits is not known yet
     * @param maxDelayMillis largest target delay
     * @param capacityFrames most frames held, and the largest jump ahead absorbed without a resync
     */
    public record Config(int frameMillis, int minDelayMillis, int initialDelayMillis, int maxDelayMillis,
                         int capacityFrames) {
        public Config {
            if (frameMillis <= 0 || minDelayMillis < 0 || initialDelayMillis < minDelayMillis
                    || maxDelayMillis < initialDelayMillis || capacityFrames < 2 || capacityFrames > MAX_CAPACITY) {
                throw new IllegalArgumentException("invalid jitter buffer config: frame " + frameMillis
                        + " ms, delay " + minDelayMillis + " <= " + initialDelayMillis + " <= " + maxDelayMillis
                        + " ms, capacity " + capacityFrames + " (capacity must be 2.." + MAX_CAPACITY + ")");
            }
        }

        /**
         * 20 ms frames, 20..500 ms target delay starting at 80 ms until the network has been
         * observed, up to 256 frames (about 5 s).
         */
        public static Config audio() {
            return new Config(20, 20, 80, 500, 256);
        }
    }

    static final int MAX_CAPACITY = 4096;
    private static final int TRANSIT_WINDOW = 128;
    static final int WARM_UP_FRAMES = 25;
    private static final int DELAY_HISTOGRAM_MILLIS = 10_000;

    private final Config config;
    private final TreeMap<Long, byte[]> frames = new TreeMap<>();
    private final long[] transits = new long[TRANSIT_WINDOW];
    private int transitCount;
    private int transitNext;
    private long fastestTransit;
    private int targetDelay;
    /** Raised at once by a late frame to cover it, then decays by 1 ms per frame played. */
    private long lateSpike;
    private double offset;
    /** Sequence numbers handed out recently, and whether each had arrived: tells late from duplicate. */
    private final long[] handedOut;
    private final BitSet arrivedFlags = new BitSet();

    private boolean started;
    private long nextSequence;

    private long received;
    private long played;
    private long concealed;
    private long late;
    private long duplicates;
    private long overflow;
    /** Sequence numbers passed over, never received, when the stream jumped ahead. */
    private long skipped;
    private final long[] delayHistogram = new long[DELAY_HISTOGRAM_MILLIS + 1];
    private long delayCount;
    private double delaySum;

    public JitterBuffer(Config config) {
        this.config = config;
        this.targetDelay = config.initialDelayMillis();
        this.handedOut = new long[config.capacityFrames()];
        Arrays.fill(handedOut, -1);
    }

    /**
     * Offers a frame that arrived at {@code arrivalMillis}. {@code timestampMillis} is the
     * sender's capture time on a clock shared with the receiver (or {@link #NO_TIMESTAMP}); it
     * only feeds the one-way delay statistics.
     */
    public Arrival offer(long sequence, long timestampMillis, byte[] payload, long arrivalMillis) {
        if (sequence < 0) {
            throw new IllegalArgumentException("sequence numbers are unsigned, was " + sequence);
        }
        if (started && sequence < nextSequence) {
            int slot = (int) (sequence % handedOut.length);
            if (handedOut[slot] == sequence && arrivedFlags.get(slot)) {
                duplicates++;
                return Arrival.DUPLICATE;
            }
            if (handedOut[slot] == sequence) {
                arrivedFlags.set(slot);
            }
            // A late frame means the delay fell short: cover it at once, and let it decay.
            long transit = arrivalMillis - sequence * config.frameMillis();
            lateSpike = Math.max(lateSpike, transit - fastestTransit + config.frameMillis() / 2);
            recordTransit(transit);
            late++;
            return Arrival.LATE;
        }
        if (frames.containsKey(sequence)) {
            duplicates++;
            return Arrival.DUPLICATE;
        }
        if (started && sequence - nextSequence >= config.capacityFrames()) {
            resyncTo(sequence - config.capacityFrames() + 1);
        } else if (frames.size() >= config.capacityFrames()) {
            overflow++;
            return Arrival.OVERFLOW;
        }
        frames.put(sequence, payload);
        received++;
        recordTransit(arrivalMillis - sequence * config.frameMillis());
        if (timestampMillis != NO_TIMESTAMP) {
            recordDelay(arrivalMillis - timestampMillis);
        }
        return Arrival.ACCEPTED;
    }

    /** The stream jumped further ahead than the buffer holds: skip to {@code first}. */
    private void resyncTo(long first) {
        long dropped = 0;
        while (!frames.isEmpty() && frames.firstKey() < first) {
            frames.pollFirstEntry();
            dropped++;
        }
        overflow += dropped;
        skipped += first - nextSequence - dropped;
        nextSequence = first;
    }

    /**
     * The next frame whose playout time has come by {@code nowMillis}, a {@link Playout.Lost}
     * for a missing one, or {@code null} when nothing is due. Call it until it returns null.
     * While the buffer is empty it waits rather than conceal, so that a stream that stopped
     * does not count as lost.
     */
    public Playout poll(long nowMillis) {
        if (frames.isEmpty()) {
            return null;
        }
        if (!started) {
            nextSequence = frames.firstKey();
            offset = fastestTransit + targetDelay;
            started = true;
        }
        if (nowMillis < nextSequence * config.frameMillis() + offset) {
            return null;
        }
        long sequence = nextSequence++;
        lateSpike = Math.max(0, lateSpike - 1);
        double wanted = fastestTransit + targetDelay;
        offset = Math.max(wanted, offset - config.frameMillis() / 10.0);
        byte[] payload = frames.remove(sequence);
        if (payload == null) {
            concealed++;
            markHandedOut(sequence, false);
            return new Playout.Lost(sequence);
        }
        played++;
        markHandedOut(sequence, true);
        return new Playout.Frame(sequence, payload);
    }

    private void markHandedOut(long sequence, boolean arrived) {
        int slot = (int) (sequence % handedOut.length);
        handedOut[slot] = sequence;
        arrivedFlags.set(slot, arrived);
    }

    private void recordTransit(long transit) {
        transits[transitNext] = transit;
        transitNext = (transitNext + 1) % TRANSIT_WINDOW;
        transitCount = Math.min(transitCount + 1, TRANSIT_WINDOW);
        long[] window = Arrays.copyOf(transits, transitCount);
        Arrays.sort(window);
        fastestTransit = window[0];
        long spread = window[(int) Math.min(window.length - 1, Math.ceil(window.length * 0.98) - 1)] - fastestTransit;
        long wanted = Math.max(spread + config.frameMillis() / 2, lateSpike);
        if (transitCount < WARM_UP_FRAMES) {
            wanted = Math.max(wanted, config.initialDelayMillis());
        }
        targetDelay = (int) Math.max(config.minDelayMillis(), Math.min(config.maxDelayMillis(), wanted));
        if (started && fastestTransit + targetDelay > offset) {
            offset = fastestTransit + targetDelay;
        }
    }

    private void recordDelay(long delay) {
        delayCount++;
        delaySum += delay;
        delayHistogram[(int) Math.max(0, Math.min(DELAY_HISTOGRAM_MILLIS, delay))]++;
    }

    /**
     * The buffered payload of {@code sequence}, without taking it, or null. After a
     * {@link Playout.Lost} for {@code n}, the frame {@code n + 1} may already be here: Opus can
     * rebuild the lost frame from its in-band FEC ({@code OpusFrameDecoder.recover}).
     */
    public byte[] peek(long sequence) {
        return frames.get(sequence);
    }

    /** Frames waiting in the buffer. */
    public int size() {
        return frames.size();
    }

    public JitterStats stats() {
        long p99 = -1;
        if (delayCount > 0) {
            long rank = (long) Math.ceil(delayCount * 0.99);
            long seen = 0;
            for (int millis = 0; millis < delayHistogram.length; millis++) {
                seen += delayHistogram[millis];
                if (seen >= rank) {
                    p99 = millis;
                    break;
                }
            }
        }
        return new JitterStats(received, played, concealed, Math.max(0, concealed - late) + skipped, late, duplicates, overflow,
                targetDelay, delayCount > 0 ? delaySum / delayCount : Double.NaN, p99);
    }
}
