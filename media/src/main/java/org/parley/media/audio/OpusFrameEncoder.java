package org.parley.media.audio;

import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusEncoder;
import io.github.jaredmdobson.concentus.OpusException;

import java.util.Arrays;

/**
 * Encodes 20 ms mono frames at 48 kHz to Opus packets (RFC 6716) with concentus. In-band FEC
 * is on so that a receiver missing packet {@code n} can rebuild it from packet {@code n + 1}
 * (see {@link OpusFrameDecoder#recover}). Not thread-safe: one encoder per outgoing stream.
 */
public final class OpusFrameEncoder {
    private final OpusEncoder encoder;
    private final byte[] packet = new byte[OpusFormat.MAX_PACKET_BYTES];

    /**
     * @param bitrate            bits per second, for example 32 000 for voice
     * @param expectedLossPercent how much loss FEC should plan for (0 to 100)
     */
    public OpusFrameEncoder(int bitrate, int expectedLossPercent) {
        if (bitrate < 6_000 || bitrate > 510_000) {
            throw new IllegalArgumentException("Opus bitrate must be 6000..510000 bit/s, was " + bitrate);
        }
        if (expectedLossPercent < 0 || expectedLossPercent > 100) {
            throw new IllegalArgumentException("expected loss must be 0..100 %, was " + expectedLossPercent);
        }
        try {
            // AUDIO, not VOIP: VOIP's high-pass and voice shaping lose the waveform (correlation
            // about 0.86 on Signals.speechLike at any bitrate, against 0.98 here), and recorded
            // calls are checked by correlating the waveforms.
            encoder = new OpusEncoder(OpusFormat.SAMPLE_RATE, OpusFormat.CHANNELS, OpusApplication.OPUS_APPLICATION_AUDIO);
        } catch (OpusException e) {
            throw new IllegalStateException("concentus refused the fixed 48 kHz mono format", e);
        }
        encoder.setBitrate(bitrate);
        encoder.setUseInbandFEC(true);
        encoder.setPacketLossPercent(expectedLossPercent);
    }

    /** A voice encoder at 32 kbit/s planning for 10 % loss. */
    public static OpusFrameEncoder forVoice() {
        return new OpusFrameEncoder(32_000, 10);
    }

    /**
     * Encodes {@code frames} frames of a synthetic voice-band signal with a throwaway encoder, so
     * that the JIT has compiled concentus before a call's first real frame. On a cold JVM the first
     * frames take longer to encode than they last (36 ms each for the first 25 on a 2-core EPYC VM,
     * 20 ms for the next 25), and a call started cold sends its first seconds late and choppy.
     * Call it while the call rings, off the thread that will send.
     */
    public static void warmUp(int frames) {
        OpusFrameEncoder throwaway = forVoice();
        short[] pcm = new short[OpusFormat.FRAME_SAMPLES];
        try {
            for (int frame = 0; frame < frames; frame++) {
                for (int i = 0; i < pcm.length; i++) {
                    double t = (frame * pcm.length + i) / (double) OpusFormat.SAMPLE_RATE;
                    pcm[i] = (short) (6000 * Math.sin(2 * Math.PI * 220 * t) + 3000 * Math.sin(2 * Math.PI * 1330 * t));
                }
                throwaway.encode(pcm);
            }
        } catch (AudioCodecException e) {
            throw new IllegalStateException("concentus failed on its warm-up signal", e);
        }
    }

    /** Encodes exactly {@link OpusFormat#FRAME_SAMPLES} samples into one Opus packet. */
    public byte[] encode(short[] pcm) throws AudioCodecException {
        if (pcm.length != OpusFormat.FRAME_SAMPLES) {
            throw new IllegalArgumentException("an Opus frame is " + OpusFormat.FRAME_SAMPLES
                    + " samples (20 ms at 48 kHz), was " + pcm.length);
        }
        try {
            int length = encoder.encode(pcm, 0, pcm.length, packet, 0, packet.length);
            return Arrays.copyOf(packet, length);
        } catch (OpusException e) {
            throw new AudioCodecException("Opus encoding failed: " + e.getMessage(), e);
        }
    }
}
