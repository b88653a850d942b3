package org.parley.client.calls;

import org.parley.media.audio.OpusFormat;

import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.SourceDataLine;
import javax.sound.sampled.TargetDataLine;

/** The machine's microphone and speaker through javax.sound, as {@link LiveAudio}'s devices. */
public final class SoundLines {
    /** What calls capture and play: 48 kHz, 16-bit, mono, signed, little-endian. */
    public static final AudioFormat FORMAT = new AudioFormat(OpusFormat.SAMPLE_RATE, 16, 1, true, false);
    /** A tenth of a second of buffer in each line: enough against scheduling hiccups, little added delay. */
    private static final int LINE_BUFFER_BYTES = LiveAudio.FRAME_BYTES * 5;

    private SoundLines() {
    }

    /** True when the machine has both a microphone and a speaker line for {@link #FORMAT}. */
    public static boolean available() {
        try {
            return AudioSystem.isLineSupported(new DataLine.Info(TargetDataLine.class, FORMAT))
                    && AudioSystem.isLineSupported(new DataLine.Info(SourceDataLine.class, FORMAT));
        } catch (RuntimeException e) {
            // Some headless JDK builds throw instead of answering: no device either way.
            return false;
        }
    }

    /** Opens and starts the default microphone. */
    public static LiveAudio.PcmInput openMicrophone() {
        try {
            TargetDataLine line = AudioSystem.getTargetDataLine(FORMAT);
            line.open(FORMAT, LINE_BUFFER_BYTES);
            line.start();
            return new LiveAudio.PcmInput() {
                @Override
                public int read(byte[] buffer, int offset, int length) {
                    if (!line.isOpen()) {
                        return -1;
                    }
                    return line.read(buffer, offset, length);
                }

                @Override
                public void close() {
                    line.stop();
                    line.close();
                }
            };
        } catch (LineUnavailableException | IllegalArgumentException e) {
            throw new CallException("cannot open the microphone (" + e.getMessage() + "); use --send-audio IN.wav instead", e);
        }
    }

    /** Opens and starts the default speaker. */
    public static LiveAudio.PcmOutput openSpeaker() {
        try {
            SourceDataLine line = AudioSystem.getSourceDataLine(FORMAT);
            line.open(FORMAT, LINE_BUFFER_BYTES);
            line.start();
            return new LiveAudio.PcmOutput() {
                @Override
                public void write(byte[] buffer, int offset, int length) {
                    line.write(buffer, offset, length);
                }

                @Override
                public void close() {
                    line.stop();
                    line.close();
                }
            };
        } catch (LineUnavailableException | IllegalArgumentException e) {
            throw new CallException("cannot open the speaker (" + e.getMessage() + "); use --record OUT.wav instead", e);
        }
    }
}
