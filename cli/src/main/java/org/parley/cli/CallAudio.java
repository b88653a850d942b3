package org.parley.cli;

import org.parley.client.calls.Call;
import org.parley.client.calls.CallMedia;
import org.parley.client.calls.CallStats;
import org.parley.media.audio.AudioCodecException;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.WavFiles;
import picocli.CommandLine.Option;

import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.TargetDataLine;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;

/** The audio options of {@code parley call} and {@code parley answer}, and running the call's media with them. */
final class CallAudio {
    /** How long to wait for the other side to ring, answer or join. */
    static final Duration SIGNAL_WAIT = Duration.ofSeconds(60);
    /** After the last frame is sent, time for the other side's last frames to play out. */
    private static final long TAIL_MILLIS = 1_000;

    @Option(names = "--send-audio", paramLabel = "IN.wav", description = "Send this WAV file (16-bit PCM, 48 kHz mono).")
    Path sendAudio;

    @Option(names = "--record", paramLabel = "OUT.wav", description = "Write what the others say to this WAV file.")
    Path record;

    @Option(names = "--duration", paramLabel = "S", description = "Seconds to stay in the call (default: until the audio"
            + " is sent and played, or until the other side hangs up).")
    Double duration;

    /** Reads the audio to send (before ringing anyone), and refuses live audio where there is no sound device. */
    short[] prepare() {
        if (sendAudio == null && record == null) {
            AudioFormat format = new AudioFormat(OpusFormat.SAMPLE_RATE, 16, 1, true, false);
            boolean device = AudioSystem.isLineSupported(new DataLine.Info(TargetDataLine.class, format));
            throw new IllegalArgumentException(device
                    ? "live microphone and speaker are not supported yet; use --send-audio IN.wav and --record OUT.wav"
                    : "this machine has no sound device; use --send-audio IN.wav and --record OUT.wav");
        }
        if (duration != null && (duration <= 0 || duration > 24 * 3600)) {
            throw new IllegalArgumentException("--duration must be between 0 and 86400 seconds");
        }
        try {
            return sendAudio == null ? new short[0] : WavFiles.read(sendAudio);
        } catch (AudioCodecException e) {
            throw new IllegalArgumentException("cannot use " + sendAudio + ": " + e.getMessage(), e);
        }
    }

    /**
     * Sends {@code samples} once the other side's media joined, stays for the duration (or until
     * the audio is sent and played, or the others hang up), then ends the call with {@code hangUp}
     * (for everyone) or by leaving, writes the recording and prints the stats.
     */
    int run(Call call, CallMedia media, short[] samples, boolean hangUp, PrintWriter out) throws InterruptedException {
        long start = System.currentTimeMillis();
        long end = duration == null ? Long.MAX_VALUE : start + (long) (duration * 1000);
        out.println("In the call with " + call.conversation() + " over " + media.currentTransport());
        out.flush();
        if (samples.length > 0) {
            media.play(samples);
        }
        long quietSince = -1;
        while (System.currentTimeMillis() < end && !call.endedByOthers()) {
            if (duration == null && samples.length > 0 && !media.sending()) {
                quietSince = quietSince < 0 ? System.currentTimeMillis() : quietSince;
                if (System.currentTimeMillis() - quietSince >= TAIL_MILLIS) {
                    break;
                }
            }
            Thread.sleep(20);
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
            out.println("Recorded " + String.format(java.util.Locale.ROOT, "%.1f", heard.length / (double) OpusFormat.SAMPLE_RATE)
                    + " s to " + record);
        }
        out.println(othersEnded ? "The other side hung up." : "Call ended.");
        out.println("Stats: " + stats.describe());
        return 0;
    }
}
