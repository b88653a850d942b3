package org.parley.media.packet;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MediaPacketTest {
    private static final CallId CALL = new CallId(0x0123456789abcdefL, 0x0fedcba987654321L);

    private static MediaFrame videoFrame(long sequence, int size, long seed) {
        byte[] payload = new byte[size];
        new SplittableRandom(seed).nextBytes(payload);
        return new MediaFrame(MediaPacket.FLAG_VIDEO, CALL, 7, 1, sequence, 1_700_000_000_000L + sequence, payload);
    }

    @Test
    void encodesAndDecodesEveryField() throws Exception {
        MediaPacket packet = new MediaPacket(MediaPacket.FLAG_KEY_FRAME | MediaPacket.FLAG_VIDEO, CALL, 0xfffffffeL, 255,
                0xffffffffL, -5, 3, 9, new byte[]{1, 2, 3});
        byte[] wire = packet.encode();
        assertThat(wire).hasSize(MediaPacket.HEADER_BYTES + 3);
        assertThat(MediaPacket.decode(wire, 0, wire.length)).isEqualTo(packet);
        byte[] padded = new byte[wire.length + 4];
        System.arraycopy(wire, 0, padded, 2, wire.length);
        assertThat(MediaPacket.decode(padded, 2, wire.length)).isEqualTo(packet);
    }

    @Test
    void strictDecoderRejectsMalformedInput() {
        byte[] wire = new MediaPacket(0, CALL, 1, 0, 1, 1, 0, 1, new byte[10]).encode();
        assertThatThrownBy(() -> MediaPacket.decode(wire, 0, 20)).isInstanceOf(MediaPacketException.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> MediaPacket.decode(wire, 0, wire.length - 1)).isInstanceOf(MediaPacketException.class)
                .hasMessageContaining("payload length 10");
        byte[] trailing = java.util.Arrays.copyOf(wire, wire.length + 1);
        assertThatThrownBy(() -> MediaPacket.decode(trailing, 0, trailing.length)).isInstanceOf(MediaPacketException.class)
                .hasMessageContaining("11 bytes follow");
        assertThatThrownBy(() -> MediaPacket.decode(patched(wire, 0, 2), 0, wire.length))
                .isInstanceOf(MediaPacketException.class).hasMessageContaining("version 2");
        assertThatThrownBy(() -> MediaPacket.decode(patched(wire, 1, 0x80), 0, wire.length))
                .isInstanceOf(MediaPacketException.class).hasMessageContaining("unknown bits");
        byte[] badFragment = wire.clone();
        ByteBuffer.wrap(badFragment).putShort(35, (short) 4).putShort(37, (short) 4);
        assertThatThrownBy(() -> MediaPacket.decode(badFragment, 0, badFragment.length))
                .isInstanceOf(MediaPacketException.class).hasMessageContaining("fragment 4 of 4");
        ByteBuffer.wrap(badFragment).putShort(35, (short) 0).putShort(37, (short) 0);
        assertThatThrownBy(() -> MediaPacket.decode(badFragment, 0, badFragment.length))
                .isInstanceOf(MediaPacketException.class).hasMessageContaining("of 0");
        byte[] huge = new byte[MediaPacket.MAX_PACKET_BYTES + 1];
        assertThatThrownBy(() -> MediaPacket.decode(huge, 0, huge.length)).isInstanceOf(MediaPacketException.class)
                .hasMessageContaining("exceeds");
    }

    @Test
    void randomJunkNeverEscapesAsAnUncheckedException() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 10_000; i++) {
            byte[] junk = new byte[random.nextInt(100)];
            random.nextBytes(junk);
            if (junk.length > 0 && random.nextBoolean()) {
                junk[0] = 1;
            }
            try {
                MediaPacket.decode(junk, 0, junk.length);
            } catch (MediaPacketException expected) {
                // the only allowed failure
            }
        }
    }

    private static byte[] patched(byte[] wire, int at, int value) {
        byte[] copy = wire.clone();
        copy[at] = (byte) value;
        return copy;
    }

    @Test
    void fragmentsFitTheMtuAndReassembleInOrder() throws Exception {
        MediaFrame frame = videoFrame(1, 50_000, 1);
        List<MediaPacket> packets = frame.fragment(1200);
        assertThat(packets).hasSize((50_000 + 1158) / 1159);
        FrameReassembler reassembler = FrameReassembler.forVideo();
        Optional<MediaFrame> out = Optional.empty();
        for (MediaPacket p : packets) {
            byte[] wire = p.encode();
            assertThat(wire.length).isLessThanOrEqualTo(1200);
            out = reassembler.accept(MediaPacket.decode(wire, 0, wire.length));
        }
        assertThat(out).contains(frame);
        assertThat(new MediaFrame(0, CALL, 1, 0, 1, 1, new byte[0]).fragment(1200)).hasSize(1);
    }

    /** Random loss, duplication and reordering across many frames of random sizes. */
    @Test
    void lossDuplicationAndReorderingAreHandled() {
        SplittableRandom random = new SplittableRandom(99);
        List<MediaFrame> sent = new ArrayList<>();
        List<MediaPacket> network = new ArrayList<>();
        List<Boolean> complete = new ArrayList<>();
        for (int s = 0; s < 200; s++) {
            MediaFrame frame = videoFrame(s, 1 + random.nextInt(30_000), s);
            sent.add(frame);
            boolean allArrive = true;
            for (MediaPacket p : frame.fragment(1200)) {
                if (random.nextDouble() < 0.03) {
                    allArrive = false;
                    continue;
                }
                network.add(p);
                if (random.nextDouble() < 0.05) {
                    network.add(p);
                }
            }
            complete.add(allArrive);
        }
        // Reorder within windows of 40 packets, as a network with jitter does.
        for (int i = 0; i < network.size(); i += 40) {
            Collections.shuffle(network.subList(i, Math.min(network.size(), i + 40)), new java.util.Random(i));
        }
        FrameReassembler reassembler = FrameReassembler.forVideo();
        List<MediaFrame> received = new ArrayList<>();
        for (MediaPacket p : network) {
            reassembler.accept(p).ifPresent(received::add);
        }
        List<MediaFrame> expected = new ArrayList<>();
        for (int s = 0; s < sent.size(); s++) {
            if (complete.get(s)) {
                expected.add(sent.get(s));
            }
        }
        assertThat(received).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(reassembler.stats().frames()).isEqualTo(expected.size());
        assertThat(reassembler.stats().duplicates()).isPositive();
        assertThat(reassembler.pendingFrames()).isLessThanOrEqualTo(32);
    }

    @Test
    void stateStaysBoundedAndInconsistentFragmentsDropTheFrame() {
        FrameReassembler reassembler = new FrameReassembler(4, 10_000);
        for (int s = 0; s < 100; s++) {
            reassembler.accept(videoFrame(s, 5_000, s).fragment(1200).get(0));
        }
        assertThat(reassembler.pendingFrames()).isEqualTo(4);
        assertThat(reassembler.stats().abandoned()).isEqualTo(96);

        List<MediaPacket> packets = videoFrame(500, 3_000, 5).fragment(1200);
        reassembler.accept(packets.get(0));
        MediaPacket forged = new MediaPacket(packets.get(1).flags(), CALL, 7, 1, 500, 42, 1, packets.size(),
                packets.get(1).payload());
        assertThat(reassembler.accept(forged)).isEmpty();
        assertThat(reassembler.stats().inconsistent()).isEqualTo(1);

        List<MediaPacket> tooBig = videoFrame(600, 20_000, 6).fragment(1200);
        tooBig.forEach(reassembler::accept);
        assertThat(reassembler.stats().oversized()).isEqualTo(1);
        assertThat(reassembler.stats().frames()).isZero();
    }
}
