package org.parley.server.calls;

import org.parley.media.audio.AudioCodecException;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.OpusFrameDecoder;
import org.parley.media.audio.OpusFrameEncoder;
import org.parley.media.audio.Signals;
import org.parley.media.packet.MediaFrame;
import org.parley.media.packet.MediaPacket;
import org.parley.media.sframe.MlsSFrameKeys;
import org.parley.media.sframe.SFrameCipherSuite;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a call client does with media, minus the network: Opus-encodes its own synthetic speech,
 * SFrame-encrypts each frame under its MLS-derived key and packs it as a relay MEDIA datagram;
 * and turns received datagrams back into audio per sender, concealing what is missing.
 */
final class TestCallClient {
    static final int FRAMES = 75;
    static final long EPOCH = 3;

    final int index;
    final org.parley.media.packet.CallId callId;
    final short[] speech;
    final int frames;
    private final MlsSFrameKeys keys;
    private final OpusFrameEncoder encoder = OpusFrameEncoder.forVoice();

    TestCallClient(org.parley.media.packet.CallId callId, int index, List<Integer> members, long exporterEpoch) {
        this(callId, index, members, exporterEpoch, FRAMES);
    }

    /** A client with {@code frames} frames (20 ms each) of its own speech to send. */
    TestCallClient(org.parley.media.packet.CallId callId, int index, List<Integer> members, long exporterEpoch,
                   int frames) {
        this.callId = callId;
        this.index = index;
        this.frames = frames;
        this.speech = Signals.speechLike(frames * OpusFormat.FRAME_MILLIS / 1000.0, 100 + index);
        this.keys = new MlsSFrameKeys(SFrameCipherSuite.AES_128_GCM_SHA256_128, 2);
        keys.enterEpoch(EPOCH, index, members, members.size(), exporterOfEpoch(exporterEpoch));
    }

    /** A stand-in for one epoch's MLS exporter, as in MlsSFrameKeysTest: a hash of epoch and label. */
    static MlsSFrameKeys.Exporter exporterOfEpoch(long epoch) {
        return (label, context, length) -> {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-512")
                        .digest((epoch + "/" + label).getBytes(StandardCharsets.UTF_8));
                return Arrays.copyOf(digest, length);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new AssertionError(e);
            }
        };
    }

    /** The relay MEDIA datagram carrying audio frame {@code sequence}. */
    byte[] audioDatagram(int sequence) throws AudioCodecException {
        short[] pcm = Arrays.copyOfRange(speech, sequence * OpusFormat.FRAME_SAMPLES, (sequence + 1) * OpusFormat.FRAME_SAMPLES);
        return datagram(sequence, encoder.encode(pcm));
    }

    /** The relay MEDIA datagram carrying {@code plaintext} as frame {@code sequence}, SFrame-encrypted. */
    byte[] datagram(int sequence, byte[] plaintext) {
        long timestamp = System.currentTimeMillis();
        byte[] metadata = MediaFrame.metadata(0, callId, index, 0, sequence, timestamp);
        MediaFrame frame = new MediaFrame(0, callId, index, 0, sequence, timestamp, keys.encrypt(metadata, plaintext));
        List<MediaPacket> packets = frame.fragment(1200);
        return RelayDatagram.media(packets.get(0).encode());
    }

    /** Decrypts received MEDIA datagrams and returns their plaintexts, in arrival order. */
    List<byte[]> decryptAll(List<byte[]> datagrams) throws Exception {
        List<byte[]> plaintexts = new java.util.ArrayList<>();
        for (byte[] datagram : datagrams) {
            MediaPacket packet = MediaPacket.decode(datagram, 1, datagram.length - 1);
            plaintexts.add(keys.decrypt(metadataOf(packet), packet.payload()));
        }
        return plaintexts;
    }

    static byte[] metadataOf(MediaPacket packet) {
        return MediaFrame.metadata(packet.flags(), packet.callId(), packet.participantId(), packet.streamId(),
                packet.sequence(), packet.timestamp());
    }

    /** Decodes the MEDIA datagrams received from each sender into audio, by sequence number. */
    Map<Long, short[]> decodeAudio(List<byte[]> datagrams) throws Exception {
        Map<Long, byte[][]> opusBySender = new HashMap<>();
        for (byte[] datagram : datagrams) {
            if (datagram[0] != RelayDatagram.MEDIA) {
                continue;
            }
            MediaPacket packet = MediaPacket.decode(datagram, 1, datagram.length - 1);
            byte[] opus = keys.decrypt(metadataOf(packet), packet.payload());
            opusBySender.computeIfAbsent(packet.participantId(), p -> new byte[frames][])[(int) packet.sequence()] = opus;
        }
        Map<Long, short[]> audio = new HashMap<>();
        for (Map.Entry<Long, byte[][]> sender : opusBySender.entrySet()) {
            OpusFrameDecoder decoder = new OpusFrameDecoder();
            short[] out = new short[frames * OpusFormat.FRAME_SAMPLES];
            for (int s = 0; s < frames; s++) {
                System.arraycopy(decoder.decode(sender.getValue()[s]), 0, out, s * OpusFormat.FRAME_SAMPLES,
                        OpusFormat.FRAME_SAMPLES);
            }
            audio.put(sender.getKey(), out);
        }
        return audio;
    }
}
