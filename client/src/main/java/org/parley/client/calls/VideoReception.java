package org.parley.client.calls;

import org.parley.media.packet.FrameReassembler;
import org.parley.media.packet.MediaFrame;
import org.parley.media.packet.MediaPacket;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Received video of one call: fragments reassembled into frames, decrypted, handed to a listener,
 * and counted per sender (which frames came whole, which are missing between them).
 */
final class VideoReception {
    /** Most senders seen at once; frames of further participant ids are dropped. */
    private static final int MAX_SENDERS = 64;

    /** Video frames of others that arrived whole and decrypted, and those missing between them. */
    record Totals(long received, long lost) {
    }

    /** One remote sender's video: which frames came whole. */
    private static final class Receiver {
        long first = -1;
        long highest = -1;
        long received;

        long lost() {
            return first < 0 ? 0 : Math.max(0, highest - first + 1 - received);
        }
    }

    private final CallKeys keys;
    /**
     * Guarded by itself: packets come from the UDP thread and the WebSocket thread. At most 16
     * incomplete frames of 2 MiB (a 4K key frame fits), so forged fragments, which anyone on the
     * path can send, hold at most 32 MiB.
     */
    private final FrameReassembler reassembler = new FrameReassembler(16, 2L << 20);
    private final Map<Long, Receiver> receivers = new LinkedHashMap<>();
    private Consumer<CallMedia.ReceivedVideo> listener;

    VideoReception(CallKeys keys) {
        this.keys = keys;
    }

    synchronized void onVideo(Consumer<CallMedia.ReceivedVideo> listener) {
        this.listener = listener;
    }

    /** Takes a fragment; a frame it completes is decrypted and handed on. */
    void accept(MediaPacket packet) {
        Optional<MediaFrame> whole;
        synchronized (reassembler) {
            whole = reassembler.accept(packet);
        }
        whole.ifPresent(this::received);
    }

    private void received(MediaFrame frame) {
        byte[] data = keys.open(frame.metadata(), frame.payload());
        if (data == null) {
            return;
        }
        Consumer<CallMedia.ReceivedVideo> to;
        synchronized (this) {
            Receiver receiver = receivers.get(frame.participantId());
            if (receiver == null) {
                if (receivers.size() >= MAX_SENDERS) {
                    return;
                }
                receiver = new Receiver();
                receivers.put(frame.participantId(), receiver);
            }
            receiver.first = receiver.first < 0 ? frame.sequence() : Math.min(receiver.first, frame.sequence());
            receiver.highest = Math.max(receiver.highest, frame.sequence());
            receiver.received++;
            to = listener;
        }
        if (to != null) {
            to.accept(new CallMedia.ReceivedVideo(frame.participantId(), frame.sequence(),
                    (frame.flags() & MediaPacket.FLAG_KEY_FRAME) != 0, data));
        }
    }

    synchronized Totals totals() {
        long received = 0;
        long lost = 0;
        for (Receiver receiver : receivers.values()) {
            received += receiver.received;
            lost += receiver.lost();
        }
        return new Totals(received, lost);
    }
}
