package org.parley.client.calls;

import org.parley.media.audio.AudioCodecException;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.OpusFrameDecoder;
import org.parley.media.jitter.JitterBuffer;
import org.parley.media.jitter.JitterStats;
import org.parley.media.jitter.Playout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Received audio of one call: a jitter buffer and an Opus decoder per sender; frames are played
 * out in order, and a missing frame is recovered from the next one's redundancy or concealed.
 * What is played goes to a listener (a speaker) and, unless turned off, into a recording.
 */
final class AudioPlayout {
    private static final Logger log = LoggerFactory.getLogger(AudioPlayout.class);
    /** Most senders heard at once; frames of further participant ids are dropped. */
    private static final int MAX_SENDERS = 64;

    /** What the receivers' jitter buffers saw, summed over senders. */
    record Totals(long played, long lost, long concealed, double meanDelayMillis, long p99DelayMillis) {
    }

    /** One remote sender's audio: its jitter buffer, decoder and what it played. */
    private static final class Receiver {
        final JitterBuffer jitter = new JitterBuffer(JitterBuffer.Config.audio());
        final OpusFrameDecoder decoder = new OpusFrameDecoder();
        final List<short[]> played = new ArrayList<>();
    }

    private final Map<Long, Receiver> receivers = new LinkedHashMap<>();
    private boolean keepRecording = true;
    private CallMedia.PlayoutListener listener;

    /** Queues a decrypted Opus frame of {@code sender} that arrived at {@code now}. */
    synchronized void offer(long sender, long sequence, long timestamp, byte[] opus, long now) {
        Receiver receiver = receivers.get(sender);
        if (receiver == null) {
            if (receivers.size() >= MAX_SENDERS) {
                return;
            }
            receiver = new Receiver();
            receivers.put(sender, receiver);
        }
        receiver.jitter.offer(sequence, timestamp, opus, now);
    }

    /** Plays out every frame that is due at {@code now}, per sender. */
    synchronized void playOut(long now) {
        for (Map.Entry<Long, Receiver> entry : receivers.entrySet()) {
            Receiver receiver = entry.getValue();
            Playout next;
            while ((next = receiver.jitter.poll(now)) != null) {
                short[] frame;
                try {
                    if (next instanceof Playout.Frame decoded) {
                        frame = receiver.decoder.decode(decoded.payload());
                    } else {
                        byte[] following = receiver.jitter.peek(next.sequence() + 1);
                        frame = following != null ? receiver.decoder.recover(following) : receiver.decoder.conceal();
                    }
                } catch (AudioCodecException e) {
                    log.debug("an audio frame did not decode: {}", e.getMessage());
                    frame = new short[OpusFormat.FRAME_SAMPLES];
                }
                if (keepRecording) {
                    receiver.played.add(frame);
                }
                if (listener != null) {
                    listener.played(entry.getKey(), frame);
                }
            }
        }
    }

    synchronized void keepRecording(boolean keep) {
        keepRecording = keep;
    }

    synchronized void onPlayout(CallMedia.PlayoutListener listener) {
        this.listener = listener;
    }

    /** What each sender said so far, in the order they were first heard (48 kHz mono). */
    synchronized List<short[]> recordings() {
        List<short[]> out = new ArrayList<>();
        for (Receiver receiver : receivers.values()) {
            short[] samples = new short[receiver.played.size() * OpusFormat.FRAME_SAMPLES];
            int at = 0;
            for (short[] frame : receiver.played) {
                System.arraycopy(frame, 0, samples, at, Math.min(frame.length, OpusFormat.FRAME_SAMPLES));
                at += OpusFormat.FRAME_SAMPLES;
            }
            out.add(samples);
        }
        return out;
    }

    synchronized int senders() {
        return receivers.size();
    }

    synchronized Totals totals() {
        long played = 0;
        long lost = 0;
        long concealed = 0;
        long delayed = 0;
        double delaySum = 0;
        long p99 = -1;
        for (Receiver receiver : receivers.values()) {
            JitterStats s = receiver.jitter.stats();
            played += s.played();
            lost += s.lost();
            concealed += s.concealed();
            if (s.received() > 0 && !Double.isNaN(s.meanDelayMillis())) {
                delaySum += s.meanDelayMillis() * s.received();
                delayed += s.received();
            }
            p99 = Math.max(p99, s.p99DelayMillis());
        }
        return new Totals(played, lost, concealed, delayed == 0 ? Double.NaN : delaySum / delayed, p99);
    }
}
