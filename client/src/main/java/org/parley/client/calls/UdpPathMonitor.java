package org.parley.client.calls;

import org.parley.media.packet.MediaPacket;
import org.parley.media.packet.MediaPacketException;

import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Judges a participant's UDP path to the relay from what the participant itself sees of it, so
 * that each side of a call decides on its own: its PINGs and their PONGs (loss, and round trips
 * against the least seen, which is how a queue shows) and the other participants' audio as it
 * arrives (loss, from gaps in each sender's sequence numbers). Time is passed in, in
 * milliseconds on a monotonic clock, so it is tested with synthetic timings. Not thread-safe.
 *
 * <p>A path is
 * <ul>
 *   <li>{@link Condition#DARK} when over {@link #MAX_PROBE_LOSS} of the probes of the last
 *       {@link #PROBE_LOSS_WINDOW_MILLIS} went unanswered and nothing at all came over UDP for
 *       {@link #DARK_SILENCE_MILLIS}: blocked (it may come back);</li>
 *   <li>{@link Condition#THROTTLED} when datagrams still come but the path cannot carry the call:
 *       probes lost as above while datagrams keep arriving, or every probe of the last
 *       {@link #QUEUE_WINDOW_MILLIS} took over {@link #MAX_QUEUE_DELAY_MILLIS} longer than the
 *       quickest round trip seen and some of them were answered that late (a standing queue,
 *       what a shaper builds), or over {@link #MAX_AUDIO_LOSS} of the audio frames sent to this
 *       participant never came, in each half of the last {@link #AUDIO_WINDOW_MILLIS} (a policer);</li>
 *   <li>{@link Condition#USABLE} otherwise, and while there is too little to judge by.</li>
 * </ul>
 *
 * <p>Why these numbers: a voice call of 32 kbit/s Opus is about 50 kbit/s on the wire, so a
 * throttle to a few tens of kbit/s loses half of it or more, or queues it by a second or more
 * within a second, while a usable path loses a few percent and jitters by tens of milliseconds.
 * The thresholds sit between the two with room on both sides: 250 ms of standing queue is more
 * than a conversation tolerates (ITU-T G.114 asks for under 150 ms one way) and more than a
 * loaded machine's scheduling hiccups, which delay some packets but not every one for a second;
 * 25% audio loss is five times the 5% that the restricted-network tests play through and a third
 * of what a 16 kbit/s throttle loses. Judging on a window of one to two seconds leaves time to
 * switch within the 3 s that issue 15 allows.
 *
 * <p>Audio loss cannot tell this participant's path from the sender's: a sender throttled on its
 * way to the relay looks the same. Moving to the WebSocket is then harmless (and the sender,
 * seeing its own probes queue, moves too).
 */
final class UdpPathMonitor {
    /** A PING not answered this long after sending counts as lost (until its PONG comes after all). */
    static final long PONG_GRACE_MILLIS = 400;
    static final long PROBE_LOSS_WINDOW_MILLIS = 2_000;
    /**
     * With fewer probes a network losing 5% each way (10% of round trips) would now and then look
     * like 30%; a path that goes dark still passes 30% once 13 of the last 40 are overdue.
     */
    static final int MIN_PROBES_FOR_LOSS = 20;
    static final double MAX_PROBE_LOSS = 0.30;
    /**
     * Nothing received this long, while probes go unanswered, is a blocked path rather than a
     * throttled one: a throttle that loses or queues the probes still lets datagrams through,
     * at most a few hundred milliseconds apart even when it queues both ways.
     */
    static final long DARK_SILENCE_MILLIS = 600;
    static final long QUEUE_WINDOW_MILLIS = 1_000;
    static final long MAX_QUEUE_DELAY_MILLIS = 250;
    /** Half the probes of the window: fewer means the prober itself was held up, which proves nothing. */
    static final int MIN_PROBES_FOR_QUEUE = 10;
    static final long AUDIO_WINDOW_MILLIS = 1_200;
    static final double MAX_AUDIO_LOSS = 0.25;
    /** Audio frames (of 20 ms) that must have been due within the window, half in each half: 0.6 s of speech. */
    static final int MIN_FRAMES_FOR_LOSS = 30;
    /**
     * A jump in a sender's sequence numbers longer than this (1 s of audio) is a new stream or a
     * silence, not loss: the sender's earlier frames are forgotten.
     */
    static final long MAX_SEQUENCE_GAP = 50;
    /** Audio arrivals kept at most, so that a flood of frames cannot grow the window's memory. */
    static final int MAX_AUDIO_ARRIVALS = 1_000;

    enum Condition { USABLE, DARK, THROTTLED }

    /** A judgement and, unless usable, what it rests on (for logs and the call's stats). */
    record Verdict(Condition condition, String reason) {
        static final Verdict USABLE = new Verdict(Condition.USABLE, "");
    }

    private static final class Probe {
        final long id;
        final long sentAt;
        long answeredAt = -1;

        Probe(long id, long sentAt) {
            this.id = id;
            this.sentAt = sentAt;
        }
    }

    /** Sender, sequence and arrival time of one audio frame. */
    private record Arrival(long sender, long sequence, long at) {
    }

    private final ArrayDeque<Probe> probes = new ArrayDeque<>();
    private final ArrayDeque<Arrival> arrivals = new ArrayDeque<>();
    /** Highest sequence number seen per sender within the window, to spot a jump. */
    private final Map<Long, Long> lastSequence = new HashMap<>();
    private long quickestRoundTrip = Long.MAX_VALUE;
    private long lastReceivedAt;

    /** Starts afresh at {@code now}: the path was (re)joined, what was seen before no longer says anything. */
    void restart(long now) {
        probes.clear();
        arrivals.clear();
        lastSequence.clear();
        quickestRoundTrip = Long.MAX_VALUE;
        lastReceivedAt = now;
    }

    void probeSent(long id, long at) {
        probes.addLast(new Probe(id, at));
        long keepFrom = at - Math.max(PROBE_LOSS_WINDOW_MILLIS + PONG_GRACE_MILLIS, 2 * QUEUE_WINDOW_MILLIS + MAX_QUEUE_DELAY_MILLIS);
        while (probes.peekFirst().sentAt < keepFrom) {
            probes.pollFirst();
        }
    }

    /** The PONG of probe {@code id} came at {@code at} (and so did a datagram). */
    void pongReceived(long id, long at) {
        datagramReceived(at);
        for (Probe probe : probes) {
            if (probe.id == id && probe.answeredAt < 0) {
                probe.answeredAt = at;
                quickestRoundTrip = Math.min(quickestRoundTrip, at - probe.sentAt);
            }
        }
    }

    /** Any datagram from the relay came at {@code at}. */
    void datagramReceived(long at) {
        lastReceivedAt = Math.max(lastReceivedAt, at);
    }

    /** A media packet (restored; null if it was too short) came at {@code at}: audio frames count by their sequence numbers. */
    void mediaReceived(byte[] media, long at) {
        MediaPacket packet = null;
        try {
            packet = media == null ? null : MediaPacket.decode(media, 0, media.length);
        } catch (MediaPacketException e) {
            // The receiver drops it; for the path it was just a datagram.
        }
        if (packet != null && CallMedia.isAudio(packet)) {
            audioReceived(packet.participantId(), packet.sequence(), at);
        } else {
            datagramReceived(at);
        }
    }

    /** Frame {@code sequence} of {@code sender}'s audio came at {@code at} (and so did a datagram). */
    void audioReceived(long sender, long sequence, long at) {
        datagramReceived(at);
        Long last = lastSequence.get(sender);
        if (last != null && Math.abs(sequence - last) > MAX_SEQUENCE_GAP) {
            arrivals.removeIf(a -> a.sender() == sender);
            last = null;
        }
        lastSequence.put(sender, last == null ? sequence : Math.max(last, sequence));
        arrivals.addLast(new Arrival(sender, sequence, at));
        if (arrivals.size() > MAX_AUDIO_ARRIVALS) {
            arrivals.pollFirst();
        }
    }

    Verdict judge(long now) {
        while (!arrivals.isEmpty() && arrivals.peekFirst().at() < now - AUDIO_WINDOW_MILLIS) {
            arrivals.pollFirst();
        }
        lastSequence.keySet().removeIf(sender -> arrivals.stream().noneMatch(a -> a.sender() == sender));
        long silent = now - lastReceivedAt;
        double probeLoss = probeLoss(now);
        if (probeLoss > MAX_PROBE_LOSS) {
            if (silent >= DARK_SILENCE_MILLIS) {
                return new Verdict(Condition.DARK, String.format(Locale.ROOT, "nothing came over UDP for %d ms", silent));
            }
            // Between half and all of DARK_SILENCE_MILLIS it may be going dark: wait and see.
            if (silent < DARK_SILENCE_MILLIS / 2) {
                return new Verdict(Condition.THROTTLED, String.format(Locale.ROOT, "%.0f%% of probes unanswered after " + PONG_GRACE_MILLIS + " ms", 100 * probeLoss));
            }
            return Verdict.USABLE;
        }
        long queue = standingQueue(now);
        if (queue > MAX_QUEUE_DELAY_MILLIS) {
            return new Verdict(Condition.THROTTLED, String.format(Locale.ROOT, "round trips %d ms over the quickest", queue));
        }
        double audioLoss = audioLoss(now);
        if (audioLoss > MAX_AUDIO_LOSS) {
            return new Verdict(Condition.THROTTLED, String.format(Locale.ROOT, "%.0f%% of audio lost", 100 * audioLoss));
        }
        return Verdict.USABLE;
    }

    /** Share of the probes of the loss window, old enough to have been answered, that were not; 0 with too few. */
    private double probeLoss(long now) {
        int due = 0;
        int lost = 0;
        for (Probe probe : probes) {
            if (probe.sentAt <= now - PONG_GRACE_MILLIS && probe.sentAt >= now - PONG_GRACE_MILLIS - PROBE_LOSS_WINDOW_MILLIS) {
                due++;
                if (probe.answeredAt < 0) {
                    lost++;
                }
            }
        }
        return due < MIN_PROBES_FOR_LOSS ? 0 : (double) lost / due;
    }

    /**
     * How much longer than the quickest round trip every probe of the queue window took (an
     * unanswered one: at least its age), provided at least one came back that late; else 0. The
     * window ends where a probe's age alone exceeds the threshold, so unanswered probes count
     * as late and newer ones, which cannot be judged yet, are left out.
     */
    private long standingQueue(long now) {
        if (quickestRoundTrip == Long.MAX_VALUE) {
            return 0;
        }
        long windowEnd = now - quickestRoundTrip - MAX_QUEUE_DELAY_MILLIS - 1;
        long windowStart = windowEnd - QUEUE_WINDOW_MILLIS;
        int judged = 0;
        boolean answeredLate = false;
        long least = Long.MAX_VALUE;
        for (Probe probe : probes) {
            if (probe.sentAt < windowStart || probe.sentAt > windowEnd) {
                continue;
            }
            judged++;
            long roundTrip = probe.answeredAt >= 0 ? probe.answeredAt - probe.sentAt : now - probe.sentAt;
            long extra = roundTrip - quickestRoundTrip;
            if (extra <= MAX_QUEUE_DELAY_MILLIS) {
                return 0;
            }
            answeredLate |= probe.answeredAt >= 0;
            least = Math.min(least, extra);
        }
        return judged >= MIN_PROBES_FOR_QUEUE && answeredLate ? least : 0;
    }

    /**
     * Share of the audio frames due (by each sender's sequence numbers) that did not come, in
     * the window's first half and in its second, whichever is less; 0 with too few. Both halves,
     * so that one burst lost in a hiccup (a sender catching up after a pause, a relay budget
     * spent) is not taken for a throttle, which loses evenly.
     */
    private double audioLoss(long now) {
        long half = now - AUDIO_WINDOW_MILLIS / 2;
        return Math.min(audioLoss(Long.MIN_VALUE, half), audioLoss(half, Long.MAX_VALUE));
    }

    /** Share of the audio frames due among those that arrived in [{@code from}, {@code until}) that did not come; 0 with too few. */
    private double audioLoss(long from, long until) {
        Map<Long, Long> lowest = new HashMap<>();
        Map<Long, Long> highest = new HashMap<>();
        Map<Long, BitSet> came = new HashMap<>();
        for (Arrival arrival : arrivals) {
            if (arrival.at() >= from && arrival.at() < until) {
                lowest.merge(arrival.sender(), arrival.sequence(), Math::min);
                highest.merge(arrival.sender(), arrival.sequence(), Math::max);
            }
        }
        for (Arrival arrival : arrivals) {
            if (arrival.at() >= from && arrival.at() < until) {
                came.computeIfAbsent(arrival.sender(), s -> new BitSet()).set((int) (arrival.sequence() - lowest.get(arrival.sender())));
            }
        }
        long due = 0;
        long arrived = 0;
        for (Map.Entry<Long, BitSet> sender : came.entrySet()) {
            due += highest.get(sender.getKey()) - lowest.get(sender.getKey()) + 1;
            arrived += sender.getValue().cardinality();
        }
        return due < MIN_FRAMES_FOR_LOSS / 2 ? 0 : 1 - (double) arrived / due;
    }
}
