package org.parley.media.audio;

import io.github.jaredmdobson.concentus.OpusDecoder;
import io.github.jaredmdobson.concentus.OpusException;

/**
 * Decodes Opus packets to 20 ms mono frames at 48 kHz, and fills in lost frames: from the
 * in-band FEC of the next packet when it is there ({@link #recover}), else by packet-loss
 * concealment ({@link #conceal}, RFC 6716 Section 4.4). Not thread-safe: one decoder per
 * incoming stream, because Opus decoding depends on the previous frames.
 */
public final class OpusFrameDecoder {
    private final OpusDecoder decoder;
    private long decoded;
    private long concealed;
    private long recovered;

    public OpusFrameDecoder() {
        try {
            decoder = new OpusDecoder(OpusFormat.SAMPLE_RATE, OpusFormat.CHANNELS);
        } catch (OpusException e) {
            throw new IllegalStateException("concentus refused the fixed 48 kHz mono format", e);
        }
    }

    /** Decodes one packet; a {@code null} packet means it was lost and is concealed. */
    public short[] decode(byte[] packet) throws AudioCodecException {
        if (packet == null) {
            return conceal();
        }
        if (packet.length == 0 || packet.length > OpusFormat.MAX_PACKET_BYTES) {
            throw new AudioCodecException("Opus packet of " + packet.length + " bytes; expected 1.."
                    + OpusFormat.MAX_PACKET_BYTES);
        }
        short[] pcm = run(packet, false, "decoding");
        decoded++;
        return pcm;
    }

    /** Synthesises a stand-in for one lost frame from the decoder's history. */
    public short[] conceal() throws AudioCodecException {
        short[] pcm = run(null, false, "concealment");
        concealed++;
        return pcm;
    }

    /**
     * Rebuilds the lost frame just before {@code nextPacket} from the FEC data that packet
     * carries; where it carries none, Opus falls back to concealment. Decode
     * {@code nextPacket} itself afterwards as usual.
     */
    public short[] recover(byte[] nextPacket) throws AudioCodecException {
        if (nextPacket == null || nextPacket.length == 0 || nextPacket.length > OpusFormat.MAX_PACKET_BYTES) {
            return conceal();
        }
        short[] pcm = run(nextPacket, true, "FEC recovery");
        recovered++;
        return pcm;
    }

    private short[] run(byte[] packet, boolean fec, String what) throws AudioCodecException {
        short[] pcm = new short[OpusFormat.FRAME_SAMPLES];
        try {
            int samples = packet == null
                    ? decoder.decode(null, 0, 0, pcm, 0, pcm.length, false)
                    : decoder.decode(packet, 0, packet.length, pcm, 0, pcm.length, fec);
            if (samples != pcm.length) {
                throw new AudioCodecException("Opus " + what + " gave " + samples + " samples; Parley sends only "
                        + OpusFormat.FRAME_SAMPLES + "-sample (20 ms) frames");
            }
            return pcm;
        } catch (OpusException e) {
            throw new AudioCodecException("Opus " + what + " failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // concentus signals some corrupt packets with unchecked exceptions.
            throw new AudioCodecException("Opus " + what + " failed on a corrupt packet: " + e, e);
        }
    }

    /** Frames decoded from a received packet. */
    public long decodedFrames() {
        return decoded;
    }

    /** Frames synthesised by packet-loss concealment. */
    public long concealedFrames() {
        return concealed;
    }

    /** Frames rebuilt from the next packet's FEC data. */
    public long recoveredFrames() {
        return recovered;
    }
}
