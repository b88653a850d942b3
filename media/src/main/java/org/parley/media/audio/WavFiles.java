package org.parley.media.audio;

import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads and writes 16-bit PCM WAV files at 48 kHz through javax.sound, which needs no sound
 * device for files. Stereo input is mixed down to mono; any other rate, depth or encoding is
 * refused with a message that says how to convert the file, rather than resampled silently.
 */
public final class WavFiles {
    /** One hour of 48 kHz mono audio: a bound, so that a huge file cannot exhaust memory. */
    public static final long MAX_SAMPLES = 3600L * OpusFormat.SAMPLE_RATE;

    private static final AudioFormat MONO_48K_16BIT =
            new AudioFormat(OpusFormat.SAMPLE_RATE, 16, 1, true, false);

    private WavFiles() {
    }

    /** Reads a 16-bit PCM WAV file at 48 kHz (mono or stereo) as mono samples. */
    public static short[] read(Path file) throws AudioCodecException {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
            AudioFormat format = in.getFormat();
            requireSupported(file, format);
            int channels = format.getChannels();
            long frames = in.getFrameLength();
            if (frames == AudioSystem.NOT_SPECIFIED || frames > MAX_SAMPLES) {
                throw new AudioCodecException(file + ": " + (frames == AudioSystem.NOT_SPECIFIED ? "unknown length"
                        : frames + " samples") + "; at most " + MAX_SAMPLES + " (one hour at 48 kHz) are accepted");
            }
            byte[] bytes = in.readNBytes((int) frames * 2 * channels);
            int samples = bytes.length / (2 * channels);
            boolean bigEndian = format.isBigEndian();
            short[] mono = new short[samples];
            for (int i = 0; i < samples; i++) {
                int sum = 0;
                for (int c = 0; c < channels; c++) {
                    int at = (i * channels + c) * 2;
                    sum += bigEndian ? (short) ((bytes[at] << 8) | (bytes[at + 1] & 0xff))
                            : (short) ((bytes[at + 1] << 8) | (bytes[at] & 0xff));
                }
                mono[i] = (short) (sum / channels);
            }
            return mono;
        } catch (UnsupportedAudioFileException e) {
            throw new AudioCodecException(file + " is not a WAV file javax.sound can read: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new AudioCodecException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void requireSupported(Path file, AudioFormat format) throws AudioCodecException {
        if (!AudioFormat.Encoding.PCM_SIGNED.equals(format.getEncoding()) || format.getSampleSizeInBits() != 16) {
            throw new AudioCodecException(file + " is " + format.getEncoding() + " with " + format.getSampleSizeInBits()
                    + "-bit samples; convert it to 16-bit PCM, for example: sox IN -b 16 -e signed-integer -r 48000 OUT.wav");
        }
        if (format.getSampleRate() != OpusFormat.SAMPLE_RATE) {
            throw new AudioCodecException(file + " is sampled at " + (int) format.getSampleRate()
                    + " Hz; calls use 48000 Hz, resample it first, for example: sox IN -r 48000 OUT.wav");
        }
        if (format.getChannels() != 1 && format.getChannels() != 2) {
            throw new AudioCodecException(file + " has " + format.getChannels()
                    + " channels; only mono and stereo are read, mix it down first, for example: sox IN -c 1 OUT.wav");
        }
    }

    /** Writes mono samples as a 16-bit PCM WAV file at 48 kHz. */
    public static void write(Path file, short[] samples) throws AudioCodecException {
        byte[] bytes = new byte[samples.length * 2];
        for (int i = 0; i < samples.length; i++) {
            bytes[2 * i] = (byte) samples[i];
            bytes[2 * i + 1] = (byte) (samples[i] >> 8);
        }
        try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(bytes), MONO_48K_16BIT, samples.length)) {
            AudioSystem.write(in, AudioFileFormat.Type.WAVE, file.toFile());
        } catch (IOException e) {
            throw new AudioCodecException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
