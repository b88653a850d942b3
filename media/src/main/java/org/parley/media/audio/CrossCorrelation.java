package org.parley.media.audio;

/**
 * Normalized cross-correlation, to tell whether recorded audio is the audio that was sent:
 * the recording lags the original (codec look-ahead, jitter buffer), so the best lag is
 * searched first. A value of 1 means identical up to gain; unrelated signals give about 0.
 */
public final class CrossCorrelation {

    /** The lag (in samples, recording behind reference) with the highest correlation. */
    public record Alignment(int lag, double correlation) {
    }

    private CrossCorrelation() {
    }

    /**
     * Searches lags {@code 0..maxLag} of {@code recorded} behind {@code reference} and returns
     * the best. Each lag compares the overlapping samples.
     */
    public static Alignment align(short[] reference, short[] recorded, int maxLag) {
        if (maxLag < 0) {
            throw new IllegalArgumentException("maxLag must be >= 0, was " + maxLag);
        }
        double[] x = toDouble(reference);
        double[] y = toDouble(recorded);
        double[] xEnergy = prefixEnergy(x);
        double[] yEnergy = prefixEnergy(y);
        Alignment best = new Alignment(0, 0);
        for (int lag = 0; lag <= maxLag && lag < y.length; lag++) {
            int length = Math.min(x.length, y.length - lag);
            double dot = 0;
            for (int i = 0; i < length; i++) {
                dot += x[i] * y[i + lag];
            }
            double energy = xEnergy[length] * (yEnergy[lag + length] - yEnergy[lag]);
            double correlation = energy > 0 ? dot / Math.sqrt(energy) : 0;
            if (correlation > best.correlation()) {
                best = new Alignment(lag, correlation);
            }
        }
        return best;
    }

    /**
     * Like {@link #align}, but the recording may also be ahead of the reference by up to
     * {@code maxLag} samples (a negative lag). A recording that starts at the first frame received
     * lacks what was sent before the receiver joined, so it begins later in the reference: one
     * frame missed at the start put it 960 samples ahead, where {@link #align} finds no match.
     */
    public static Alignment alignEitherWay(short[] reference, short[] recorded, int maxLag) {
        Alignment behind = align(reference, recorded, maxLag);
        Alignment ahead = align(recorded, reference, maxLag);
        return ahead.correlation() > behind.correlation() ? new Alignment(-ahead.lag(), ahead.correlation()) : behind;
    }

    /** Correlation of two equally long sequences, without lag search. */
    public static double normalized(short[] a, short[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("lengths differ: " + a.length + " and " + b.length);
        }
        double dot = 0;
        double ea = 0;
        double eb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            ea += (double) a[i] * a[i];
            eb += (double) b[i] * b[i];
        }
        return ea > 0 && eb > 0 ? dot / Math.sqrt(ea * eb) : 0;
    }

    private static double[] toDouble(short[] samples) {
        double[] out = new double[samples.length];
        for (int i = 0; i < samples.length; i++) {
            out[i] = samples[i];
        }
        return out;
    }

    private static double[] prefixEnergy(double[] x) {
        double[] sums = new double[x.length + 1];
        for (int i = 0; i < x.length; i++) {
            sums[i + 1] = sums[i] + x[i] * x[i];
        }
        return sums;
    }
}
