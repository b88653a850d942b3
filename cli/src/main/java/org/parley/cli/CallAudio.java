package org.parley.cli;

import org.parley.client.calls.Call;
import org.parley.client.calls.CallMedia;
import org.parley.client.calls.CallStats;
import org.parley.client.calls.LiveAudio;
import org.parley.client.calls.SoundLines;
import org.parley.media.audio.AudioCodecException;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.OpusFrameEncoder;
import org.parley.media.audio.WavFiles;
import org.parley.media.video.SyntheticVideo;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The media options of {@code parley call}, {@code parley answer} and {@code /call} in a chat, and
 * running a call's media with them: WAV files, or the live microphone and speaker where the
 * machine has them, and optionally synthetic video.
 */
final class CallAudio {
    /** How long to wait for the other side to ring, answer or join. */
    static final Duration SIGNAL_WAIT = Duration.ofSeconds(60);
    /** After the last frame is sent, time for the other side's last frames to play out. */
    private static final long TAIL_MILLIS = 1_000;
    /** After video stops, time for its last frame (up to ~35 packets) to arrive before the call ends. */
    private static final long VIDEO_TAIL_MILLIS = 300;
    /** Frames the encoder's warm-up encodes: by then this JVM encodes a frame in a fraction of its 20 ms. */
    private static final int WARM_UP_FRAMES = 200;
    private static final AtomicBoolean ENCODER_WARMED = new AtomicBoolean();

    @Option(names = "--send-audio", paramLabel = "IN.wav", description = "Send this WAV file (16-bit PCM, 48 kHz mono).")
    Path sendAudio;

    @Option(names = "--record", paramLabel = "OUT.wav", description = "Write what the others say to this WAV file.")
    Path record;

    @Option(names = "--duration", paramLabel = "S", description = "Seconds to stay in the call (default: until the audio"
            + " is sent and played, or until the other side hangs up).")
    Double duration;

    @Option(names = "--video-fps", paramLabel = "N", description = "Also send video at N frames per second (1.."
            + CallMedia.MAX_VIDEO_FPS + "; synthetic frames, as there is no camera support yet).")
    Integer videoFps;

    /** True when this side sends video: its ring offers video. */
    boolean sendsVideo() {
        return videoFps != null;
    }

    /** How a ring is named to the person called: "video call" when it offered video, else "call". */
    static String callKind(boolean video) {
        return video ? "video call" : "call";
    }

    /** Set by {@link #prepare}: no file given and the machine has a microphone and a speaker. */
    private boolean live;
    private final VideoCheck video = new VideoCheck();

    /**
     * Checks the options and reads the audio to send (before ringing anyone). Without files, the
     * call is live where the machine has a sound device, and refused where it has none.
     */
    short[] prepare() {
        if (duration != null && (duration <= 0 || duration > 24 * 3600)) {
            throw new IllegalArgumentException("--duration must be between 0 and 86400 seconds");
        }
        if (videoFps != null && (videoFps < 1 || videoFps > CallMedia.MAX_VIDEO_FPS)) {
            throw new IllegalArgumentException("--video-fps must be between 1 and " + CallMedia.MAX_VIDEO_FPS + ", was " + videoFps);
        }
        live = sendAudio == null && record == null;
        if (live && !SoundLines.available()) {
            throw new IllegalArgumentException("this machine has no sound device (no 48 kHz 16-bit mono microphone and speaker);"
                    + " use --send-audio IN.wav and --record OUT.wav");
        }
        short[] samples;
        try {
            samples = sendAudio == null ? new short[0] : WavFiles.read(sendAudio);
        } catch (AudioCodecException e) {
            throw new IllegalArgumentException("cannot use " + sendAudio + ": " + e.getMessage(), e);
        }
        if (live || samples.length > 0) {
            warmUpEncoderWhileRinging();
        }
        return samples;
    }

    /**
     * This process is new, so its Opus encoder would run interpreted through the call's first
     * seconds, sending them late and choppy: compile it in the background while the call rings.
     */
    private static void warmUpEncoderWhileRinging() {
        if (!ENCODER_WARMED.compareAndSet(false, true)) {
            return; // an earlier call of this process (a chat's /call) has warmed it
        }
        Thread warmUp = new Thread(() -> OpusFrameEncoder.warmUp(WARM_UP_FRAMES), "parley-opus-warm-up");
        warmUp.setDaemon(true);
        warmUp.setPriority(Thread.MIN_PRIORITY);
        warmUp.start();
    }

    /**
     * Joins the call's media and sets up receiving at once, before the first frames can arrive:
     * video is checked only if the check listens from the start.
     */
    CallMedia join(Call call) {
        CallMedia media = call.join();
        media.keepRecording(record != null);
        media.onVideo(video);
        return media;
    }

    /**
     * Sends {@code samples} (or the microphone's audio) through {@code media} (from {@link #join})
     * once the other side's media joined, stays
     * for the duration (or until the audio is sent and played, the others hang up, or
     * {@code stop} says so), then ends the call with {@code hangUp} (for everyone) or by leaving,
     * writes the recording and prints the stats.
     */
    int run(Call call, CallMedia media, short[] samples, boolean hangUp, PrintWriter out, BooleanSupplier stop)
            throws InterruptedException {
        // Ctrl-C or a kill ends the process before the call is ended below: tell the others on the way out.
        Thread endOnExit = new Thread(() -> {
            try {
                if (hangUp) {
                    call.hangUp();
                } else {
                    call.leave();
                }
            } catch (RuntimeException e) {
                // Exiting anyway; the others notice the silence.
            }
        }, "parley-end-call-on-exit");
        Runtime.getRuntime().addShutdownHook(endOnExit);
        try {
            return runUntilEnded(call, media, samples, hangUp, out, stop);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(endOnExit);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or about to.
            }
        }
    }

    private int runUntilEnded(Call call, CallMedia media, short[] samples, boolean hangUp, PrintWriter out, BooleanSupplier stop)
            throws InterruptedException {
        long start = System.currentTimeMillis();
        long end = duration == null ? Long.MAX_VALUE : start + (long) (duration * 1000);
        out.println("In the call with " + call.conversation() + " over " + media.currentTransport());
        if (videoFps != null) {
            media.startVideo(SyntheticVideo.forFrameRate(new SecureRandom().nextLong(), videoFps), videoFps);
        }
        LiveAudio liveAudio = null;
        BooleanSupplier stopped = stop;
        if (live) {
            liveAudio = LiveAudio.start(media, SoundLines.openMicrophone(), SoundLines.openSpeaker());
            out.println("Microphone and speaker are live" + (duration == null ? "; press Enter to hang up." : "."));
            stopped = orEnterPressed(stop);
        }
        out.flush();
        if (samples.length > 0) {
            media.play(samples);
        }
        try {
            long quietSince = -1;
            while (System.currentTimeMillis() < end && !call.endedByOthers() && !stopped.getAsBoolean()) {
                if (duration == null && samples.length > 0 && !media.sending()) {
                    quietSince = quietSince < 0 ? System.currentTimeMillis() : quietSince;
                    if (System.currentTimeMillis() - quietSince >= TAIL_MILLIS) {
                        break;
                    }
                }
                Thread.sleep(20);
            }
        } finally {
            if (liveAudio != null) {
                liveAudio.close();
            }
        }
        if (videoFps != null) {
            media.stopVideo();
            Thread.sleep(VIDEO_TAIL_MILLIS);
        }
        boolean othersEnded = call.endedByOthers();
        short[] heard = media.recording();
        CallStats stats = hangUp && !othersEnded ? call.hangUp() : call.leave();
        if (record != null) {
            try {
                WavFiles.write(record, heard);
            } catch (AudioCodecException e) {
                throw new IllegalStateException("cannot write " + record + ": " + e.getMessage(), e);
            }
            out.println("Recorded " + String.format(Locale.ROOT, "%.1f", heard.length / (double) OpusFormat.SAMPLE_RATE)
                    + " s to " + record);
        }
        out.println(othersEnded ? "The other side hung up." : "Call ended.");
        out.println("Stats: " + stats.describe());
        synchronized (video) {
            if (video.intact + video.damaged + video.otherCodec > 0) {
                out.println("Video check: " + video.intact + " frames arrived intact, " + video.damaged + " damaged"
                        + (video.otherCodec > 0 ? ", " + video.otherCodec + " of a real codec (a browser's camera; not checked)" : ""));
            }
        }
        out.flush();
        return 0;
    }

    /** {@code stop}, or Enter pressed on the console (read by a daemon thread, so nothing waits for it at the end). */
    private static BooleanSupplier orEnterPressed(BooleanSupplier stop) {
        if (System.console() == null) {
            return stop;
        }
        boolean[] pressed = new boolean[1];
        Thread enter = new Thread(() -> {
            try {
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            } catch (java.io.IOException e) {
                return;
            }
            synchronized (pressed) {
                pressed[0] = true;
            }
        }, "parley-hang-up-key");
        enter.setDaemon(true);
        enter.start();
        return () -> {
            synchronized (pressed) {
                return pressed[0];
            }
        };
    }

    /**
     * Checks each received synthetic video frame: its digest, and that it is the frame its packets
     * named. Frames without the synthetic frames' magic come from a real encoder (a browser's
     * camera): the CLI has no decoder, so they are only counted (they arrived whole and decrypted).
     */
    private static final class VideoCheck implements Consumer<CallMedia.ReceivedVideo> {
        private static final byte[] SYNTHETIC_MAGIC = {'P', 'V', 'F', '1'};
        long intact;
        long damaged;
        long otherCodec;

        @Override
        public synchronized void accept(CallMedia.ReceivedVideo frame) {
            if (!Arrays.equals(frame.data(), 0, Math.min(SYNTHETIC_MAGIC.length, frame.data().length), SYNTHETIC_MAGIC, 0, SYNTHETIC_MAGIC.length)) {
                otherCodec++;
                return;
            }
            try {
                SyntheticVideo.Checked checked = SyntheticVideo.check(frame.data());
                if (checked.sequence() == frame.sequence() && checked.keyFrame() == frame.keyFrame()) {
                    intact++;
                    return;
                }
            } catch (IllegalArgumentException e) {
                // Counted below.
            }
            damaged++;
        }
    }
}
