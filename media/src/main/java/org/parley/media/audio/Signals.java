package org.parley.media.audio;

import java.util.SplittableRandom;

/**
 * Synthetic test audio at 48 kHz, for checking a call end to end without a microphone: a sine
 * sweep, and a speech-like signal (a voiced tone with a gliding pitch and its harmonics, in
 * syllable-rate bursts, plus breath noise).
 */
public final class Signals {
    private Signals() {
    }

    /** A logarithmic sweep from {@code fromHz} to {@code toHz} at {@code amplitude} (0..1). */
    public static short[] sineSweep(double seconds, double fromHz, double toHz, double amplitude) {
        int n = samples(seconds);
        short[] out = new short[n];
        double ratio = Math.log(toHz / fromHz);
        double phase = 0;
        for (int i = 0; i < n; i++) {
            double hz = fromHz * Math.exp(ratio * i / n);
            phase += 2 * Math.PI * hz / OpusFormat.SAMPLE_RATE;
            out[i] = (short) Math.round(amplitude * Short.MAX_VALUE * Math.sin(phase));
        }
        return out;
    }

    /** A deterministic speech-like signal; the same seed gives the same samples. */
    public static short[] speechLike(double seconds, long seed) {
        int n = samples(seconds);
        SplittableRandom random = new SplittableRandom(seed);
        short[] out = new short[n];
        double phase = 0;
        double pitch = 140;
        double pitchTarget = 140;
        for (int i = 0; i < n; i++) {
            if (i % 2400 == 0) {
                pitchTarget = 100 + random.nextDouble() * 120;
            }
            pitch += (pitchTarget - pitch) * 0.0005;
            phase += 2 * Math.PI * pitch / OpusFormat.SAMPLE_RATE;
            double syllable = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4.0 * i / OpusFormat.SAMPLE_RATE);
            double voiced = 0;
            for (int harmonic = 1; harmonic <= 8; harmonic++) {
                voiced += Math.sin(harmonic * phase) / harmonic;
            }
            double breath = (random.nextDouble() - 0.5) * 0.05;
            out[i] = (short) Math.round(Short.MAX_VALUE * 0.3 * (syllable * voiced * 0.6 + breath));
        }
        return out;
    }

    private static int samples(double seconds) {
        if (!(seconds > 0) || seconds > 3600) {
            throw new IllegalArgumentException("duration must be in (0, 3600] seconds, was " + seconds);
        }
        return (int) Math.round(seconds * OpusFormat.SAMPLE_RATE);
    }
}
