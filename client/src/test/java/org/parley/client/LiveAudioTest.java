package org.parley.client;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.parley.client.testkit.LiveServer;
import org.parley.client.calls.CallException;
import org.parley.client.calls.LiveAudio;
import org.parley.client.calls.SoundLines;
import org.parley.media.audio.CrossCorrelation;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.Signals;

import java.io.ByteArrayOutputStream;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Live audio through line-like devices: alice's "microphone" delivers speech at the pace of a
 * real one (a 20 ms frame every 20 ms), bob's "speaker" keeps what it is given; the javax.sound
 * lines themselves are exercised only where the machine has them.
 */
@Tag("realtime")
class LiveAudioTest extends LiveServerTestBase {
    /** Plays {@code samples} as 16-bit little-endian PCM, blocking like a capture line until each frame's time has come. */
    private static final class PacedInput implements LiveAudio.PcmInput {
        private final byte[] pcm;
        private final long start = System.nanoTime();
        private int position;
        private volatile boolean closed;

        PacedInput(short[] samples) {
            pcm = new byte[samples.length * 2];
            for (int i = 0; i < samples.length; i++) {
                pcm[2 * i] = (byte) samples[i];
                pcm[2 * i + 1] = (byte) (samples[i] >> 8);
            }
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (closed || position >= pcm.length) {
                return -1;
            }
            long due = start + (long) (position / 2) * 1_000_000_000L / OpusFormat.SAMPLE_RATE;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    return -1;
                }
            }
            int n = Math.min(length, Math.min(OpusFormat.FRAME_SAMPLES * 2, pcm.length - position));
            System.arraycopy(pcm, position, buffer, offset, n);
            position += n;
            return n;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Keeps what it is given, as a speaker line would play it. */
    private static final class CollectingOutput implements LiveAudio.PcmOutput {
        final ByteArrayOutputStream played = new ByteArrayOutputStream();

        @Override
        public synchronized void write(byte[] buffer, int offset, int length) {
            played.write(buffer, offset, length);
        }

        synchronized short[] samples() {
            byte[] pcm = played.toByteArray();
            short[] out = new short[pcm.length / 2];
            for (int i = 0; i < out.length; i++) {
                out[i] = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
            }
            return out;
        }

        @Override
        public void close() {
        }
    }

    /** Nothing to read until closed, like a muted microphone. */
    private static final class SilentInput implements LiveAudio.PcmInput {
        private volatile boolean closed;

        @Override
        public int read(byte[] buffer, int offset, int length) {
            while (!closed) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return -1;
                }
            }
            return -1;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void whatTheMicrophoneCapturesComesOutOfTheOtherSidesSpeaker() throws Exception {
        server = new LiveServer(temp.resolve("server"), OptionalInt.of(0));
        OneToOneCall call = OneToOneCall.start(this);
        short[] speech = Signals.speechLike(3, 11);
        CollectingOutput bobSpeaker = new CollectingOutput();
        call.bobMedia.keepRecording(false);
        try (LiveAudio alice = LiveAudio.start(call.aliceMedia, new PacedInput(speech), new CollectingOutput());
             LiveAudio bob = LiveAudio.start(call.bobMedia, new SilentInput(), bobSpeaker)) {
            eventually("bob's speaker played alice's 3 s", () -> bobSpeaker.samples().length >= speech.length);
            assertThat(alice.framesCaptured()).isEqualTo(speech.length / OpusFormat.FRAME_SAMPLES);
            assertThat(bob.framesCaptured()).isZero();
            assertThat(bob.framesDropped()).isZero();
        }
        assertThat(CrossCorrelation.align(speech, bobSpeaker.samples(), OpusFormat.SAMPLE_RATE / 20).correlation())
                .isGreaterThanOrEqualTo(0.9);
        assertThat(call.bobMedia.recording()).as("nothing kept when recording is off").isEmpty();
        assertThat(call.aliceMedia.stats().framesSent()).isEqualTo(speech.length / OpusFormat.FRAME_SAMPLES);
    }

    @Test
    void theMachinesSoundLinesOpenWhereThereAreAnyAndOtherwiseSaySo() {
        if (SoundLines.available()) {
            LiveAudio.PcmInput microphone = SoundLines.openMicrophone();
            LiveAudio.PcmOutput speaker = SoundLines.openSpeaker();
            try {
                byte[] frame = new byte[OpusFormat.FRAME_SAMPLES * 2];
                assertThat(microphone.read(frame, 0, frame.length)).isPositive();
                speaker.write(new byte[frame.length], 0, frame.length);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            } finally {
                microphone.close();
                speaker.close();
            }
        } else {
            assertThatThrownBy(SoundLines::openMicrophone).isInstanceOf(CallException.class)
                    .hasMessageContaining("cannot open the microphone").hasMessageContaining("--send-audio");
            assertThatThrownBy(SoundLines::openSpeaker).isInstanceOf(CallException.class)
                    .hasMessageContaining("cannot open the speaker").hasMessageContaining("--record");
        }
    }
}
