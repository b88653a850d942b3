package org.parley.client.calls;

import org.parley.media.audio.OpusFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Live audio for a call: a capture thread reads 20 ms frames from a microphone and sends each at
 * once ({@link CallMedia#sendAudioFrame}), so the device's clock paces sending; a playback thread
 * mixes what every other participant says, one frame of each at a time, and writes it to a
 * speaker, whose blocking write paces playback. The devices are {@link PcmInput} and
 * {@link PcmOutput} (16-bit little-endian mono PCM at 48 kHz); {@link SoundLines} opens the
 * machine's through javax.sound.
 */
public final class LiveAudio implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LiveAudio.class);
    static final int FRAME_BYTES = OpusFormat.FRAME_SAMPLES * 2;
    /** Per sender, at most this much audio waits for the speaker (0.5 s); older frames are dropped so delay stays bounded. */
    static final int MAX_QUEUED_FRAMES = 25;

    /** A source of PCM that blocks until data is there, like a microphone line. */
    public interface PcmInput extends AutoCloseable {
        /** Reads up to {@code length} bytes; -1 at the end (a closed line). */
        int read(byte[] buffer, int offset, int length) throws IOException;

        @Override
        void close();
    }

    /** A sink of PCM that blocks while its buffer is full, like a speaker line. */
    public interface PcmOutput extends AutoCloseable {
        void write(byte[] buffer, int offset, int length) throws IOException;

        @Override
        void close();
    }

    private final CallMedia media;
    private final PcmInput microphone;
    private final PcmOutput speaker;
    private final Thread capture;
    private final Thread playback;
    private final Map<Long, ArrayDeque<short[]>> queued = new LinkedHashMap<>();
    private volatile boolean closed;
    private long framesCaptured;
    private long framesPlayed;
    private long framesDropped;

    private LiveAudio(CallMedia media, PcmInput microphone, PcmOutput speaker) {
        this.media = media;
        this.microphone = microphone;
        this.speaker = speaker;
        this.capture = new Thread(this::capture, "parley-microphone");
        this.playback = new Thread(this::playback, "parley-speaker");
        capture.setDaemon(true);
        playback.setDaemon(true);
    }

    /** Starts sending what {@code microphone} captures and playing what the others say on {@code speaker}. */
    public static LiveAudio start(CallMedia media, PcmInput microphone, PcmOutput speaker) {
        LiveAudio live = new LiveAudio(media, microphone, speaker);
        media.onPlayout(live::played);
        live.capture.start();
        live.playback.start();
        return live;
    }

    private void capture() {
        byte[] pcm = new byte[FRAME_BYTES];
        try {
            while (!closed) {
                int filled = 0;
                while (filled < FRAME_BYTES) {
                    int n = microphone.read(pcm, filled, FRAME_BYTES - filled);
                    if (n < 0 || closed) {
                        return;
                    }
                    filled += n;
                }
                media.sendAudioFrame(toSamples(pcm));
                synchronized (this) {
                    framesCaptured++;
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                log.warn("the microphone stopped: {}", e.getMessage());
            }
        }
    }

    private void played(long participantId, short[] frame) {
        synchronized (queued) {
            ArrayDeque<short[]> queue = queued.computeIfAbsent(participantId, id -> new ArrayDeque<>());
            queue.addLast(frame);
            if (queue.size() > MAX_QUEUED_FRAMES) {
                queue.pollFirst();
                synchronized (this) {
                    framesDropped++;
                }
            }
            queued.notifyAll();
        }
    }

    private void playback() {
        try {
            while (!closed) {
                int[] mix = new int[OpusFormat.FRAME_SAMPLES];
                boolean any = false;
                synchronized (queued) {
                    for (Iterator<ArrayDeque<short[]>> it = queued.values().iterator(); it.hasNext(); ) {
                        short[] frame = it.next().pollFirst();
                        if (frame != null) {
                            any = true;
                            for (int i = 0; i < Math.min(frame.length, mix.length); i++) {
                                mix[i] += frame[i];
                            }
                        }
                    }
                    if (!any) {
                        queued.wait(OpusFormat.FRAME_MILLIS);
                        continue;
                    }
                }
                speaker.write(toPcm(mix), 0, FRAME_BYTES);
                synchronized (this) {
                    framesPlayed++;
                }
            }
        } catch (InterruptedException e) {
            // Closing.
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                log.warn("the speaker stopped: {}", e.getMessage());
            }
        }
    }

    static short[] toSamples(byte[] pcm) {
        short[] samples = new short[pcm.length / 2];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
        }
        return samples;
    }

    /** Little-endian 16-bit PCM, clipping the mix of several speakers. */
    static byte[] toPcm(int[] mix) {
        byte[] pcm = new byte[mix.length * 2];
        for (int i = 0; i < mix.length; i++) {
            int sample = Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, mix[i]));
            pcm[2 * i] = (byte) sample;
            pcm[2 * i + 1] = (byte) (sample >> 8);
        }
        return pcm;
    }

    /** Frames read from the microphone and sent. */
    public synchronized long framesCaptured() {
        return framesCaptured;
    }

    /** Mixed frames written to the speaker. */
    public synchronized long framesPlayed() {
        return framesPlayed;
    }

    /** Frames dropped because the speaker fell more than half a second behind. */
    public synchronized long framesDropped() {
        return framesDropped;
    }

    /** Stops both threads and closes the devices; the call goes on. */
    @Override
    public void close() {
        closed = true;
        media.onPlayout(null);
        microphone.close();
        speaker.close();
        capture.interrupt();
        playback.interrupt();
        try {
            capture.join(1_000);
            playback.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
