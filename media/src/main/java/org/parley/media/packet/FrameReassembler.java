package org.parley.media.packet;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Rebuilds {@link MediaFrame}s from {@link MediaPacket} fragments that arrive lost, duplicated
 * or out of order. State is bounded: at most {@code maxPendingFrames} incomplete frames (the
 * oldest is given up when a new one would exceed it), at most {@code maxFrameBytes} per frame,
 * and a fixed memory of recently finished frames (completed or dropped) so that their late
 * fragments are not taken for a new frame. Not thread-safe: one reassembler per receiving pipeline.
 */
public final class FrameReassembler {
    private record FrameKey(CallId callId, long participantId, int streamId, long sequence) {
        static FrameKey of(MediaPacket p) {
            return new FrameKey(p.callId(), p.participantId(), p.streamId(), p.sequence());
        }
    }

    private static final class Pending {
        final MediaPacket first;
        final byte[][] fragments;
        int received;
        long bytes;

        Pending(MediaPacket first) {
            this.first = first;
            this.fragments = new byte[first.fragmentCount()][];
        }
    }

    /**
     * Counters of what the reassembler did with the packets it was given. {@code duplicates}
     * counts fragments already held and fragments of a frame already completed or dropped.
     */
    public record Stats(long frames, long duplicates, long abandoned, long inconsistent, long oversized) {
    }

    private static final int FINISHED_MEMORY = 1024;

    private final int maxPendingFrames;
    private final long maxFrameBytes;
    private final LinkedHashMap<FrameKey, Pending> pending = new LinkedHashMap<>();
    private final Set<FrameKey> finished = new LinkedHashSet<>();
    private long frames;
    private long duplicates;
    private long abandoned;
    private long inconsistent;
    private long oversized;

    public FrameReassembler(int maxPendingFrames, long maxFrameBytes) {
        if (maxPendingFrames < 1 || maxFrameBytes < 1) {
            throw new IllegalArgumentException("limits must be positive: " + maxPendingFrames + " frames, "
                    + maxFrameBytes + " bytes");
        }
        this.maxPendingFrames = maxPendingFrames;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** 32 incomplete frames of up to 8 MiB each. */
    public static FrameReassembler forVideo() {
        return new FrameReassembler(32, 8L << 20);
    }

    /**
     * Accepts one packet and returns the frame it completes, if any. A packet that contradicts
     * the earlier fragments of its frame (another count, timestamp or flags) makes the whole
     * frame be dropped, since one of them is forged or corrupt.
     */
    public Optional<MediaFrame> accept(MediaPacket packet) {
        FrameKey key = FrameKey.of(packet);
        if (finished.contains(key)) {
            duplicates++;
            return Optional.empty();
        }
        Pending frame = pending.get(key);
        if (frame == null) {
            // Every fragment carries at least one byte, so a count above the byte limit is a lie.
            if (packet.fragmentCount() > maxFrameBytes) {
                remember(key);
                oversized++;
                return Optional.empty();
            }
            if (pending.size() >= maxPendingFrames) {
                Iterator<Map.Entry<FrameKey, Pending>> oldest = pending.entrySet().iterator();
                oldest.next();
                oldest.remove();
                abandoned++;
            }
            frame = new Pending(packet);
            pending.put(key, frame);
        } else if (packet.fragmentCount() != frame.first.fragmentCount() || packet.timestamp() != frame.first.timestamp()
                || packet.flags() != frame.first.flags()) {
            pending.remove(key);
            remember(key);
            inconsistent++;
            return Optional.empty();
        }
        if (frame.fragments[packet.fragmentIndex()] != null) {
            duplicates++;
            return Optional.empty();
        }
        frame.bytes += packet.payload().length;
        if (frame.bytes > maxFrameBytes) {
            pending.remove(key);
            remember(key);
            oversized++;
            return Optional.empty();
        }
        frame.fragments[packet.fragmentIndex()] = packet.payload();
        if (++frame.received < frame.fragments.length) {
            return Optional.empty();
        }
        pending.remove(key);
        remember(key);
        byte[] payload = new byte[(int) frame.bytes];
        int at = 0;
        for (byte[] fragment : frame.fragments) {
            System.arraycopy(fragment, 0, payload, at, fragment.length);
            at += fragment.length;
        }
        frames++;
        MediaPacket first = frame.first;
        return Optional.of(new MediaFrame(first.flags(), first.callId(), first.participantId(), first.streamId(),
                first.sequence(), first.timestamp(), payload));
    }

    private void remember(FrameKey key) {
        finished.add(key);
        if (finished.size() > FINISHED_MEMORY) {
            Iterator<FrameKey> oldest = finished.iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /** Incomplete frames currently held. */
    public int pendingFrames() {
        return pending.size();
    }

    public Stats stats() {
        return new Stats(frames, duplicates, abandoned, inconsistent, oversized);
    }
}
