package org.parley.media.audio;

/**
 * The one audio format Parley calls use: Opus (RFC 6716) at 48 kHz, mono, in 20 ms frames.
 * Fixing it avoids negotiation: every participant encodes and decodes exactly this.
 */
public final class OpusFormat {
    public static final int SAMPLE_RATE = 48_000;
    public static final int CHANNELS = 1;
    public static final int FRAME_MILLIS = 20;
    /** Samples in one 20 ms frame at 48 kHz. */
    public static final int FRAME_SAMPLES = SAMPLE_RATE / 1000 * FRAME_MILLIS;
    /** RFC 6716 Section 3.4: an Opus packet never needs more than 1275 bytes per frame. */
    public static final int MAX_PACKET_BYTES = 1275;

    private OpusFormat() {
    }
}
