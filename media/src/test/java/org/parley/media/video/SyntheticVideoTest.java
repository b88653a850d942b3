package org.parley.media.video;

import org.junit.jupiter.api.Test;
import org.parley.media.packet.CallId;
import org.parley.media.packet.FrameReassembler;
import org.parley.media.packet.MediaFrame;
import org.parley.media.packet.MediaPacket;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SyntheticVideoTest {
    @Test
    void framesLookLikeAVideoStreamAndCheckThemselves() {
        SyntheticVideo video = SyntheticVideo.forFrameRate(42, 15);
        List<VideoFrame> frames = new ArrayList<>();
        List<Long> keyFrames = new ArrayList<>();
        for (int i = 0; i < 90; i++) {
            frames.add(video.next());
            if (frames.get(i).keyFrame()) {
                keyFrames.add((long) i);
            }
        }
        assertThat(keyFrames).containsExactly(0L, 30L, 60L);
        for (int i = 0; i < frames.size(); i++) {
            VideoFrame frame = frames.get(i);
            SyntheticVideo.Checked checked = SyntheticVideo.check(frame.data());
            assertThat(checked.sequence()).isEqualTo(i);
            assertThat(checked.keyFrame()).isEqualTo(frame.keyFrame());
            if (frame.keyFrame()) {
                assertThat(frame.data().length).isGreaterThan(SyntheticVideo.KEY_MIN_BYTES);
            } else {
                assertThat(frame.data().length).isLessThan(SyntheticVideo.DELTA_MAX_BYTES + 100);
            }
        }
        assertThat(frames.stream().mapToInt(f -> f.data().length).distinct().count()).as("sizes vary").isGreaterThan(80);
        assertThat(SyntheticVideo.forFrameRate(42, 15).next().data()).as("reproducible").isEqualTo(frames.get(0).data());
    }

    @Test
    void aDamagedOrMisassembledFrameFailsTheCheck() {
        byte[] data = new SyntheticVideo(7, 10).next().data();
        byte[] flipped = data.clone();
        flipped[1000] ^= 1;
        assertThatThrownBy(() -> SyntheticVideo.check(flipped)).hasMessageContaining("does not match its digest");
        byte[] truncated = java.util.Arrays.copyOf(data, data.length - 1);
        assertThatThrownBy(() -> SyntheticVideo.check(truncated)).hasMessageContaining("damaged header");
        assertThatThrownBy(() -> SyntheticVideo.check(new byte[60])).hasMessageContaining("not a synthetic video frame");
    }

    @Test
    void keyFramesSurviveFragmentationAndShuffledReassembly() {
        CallId call = new CallId(1, 2);
        SyntheticVideo video = new SyntheticVideo(3, 5);
        FrameReassembler reassembler = FrameReassembler.forVideo();
        List<MediaPacket> packets = new ArrayList<>();
        for (int seq = 0; seq < 10; seq++) {
            VideoFrame frame = video.next();
            packets.addAll(new MediaFrame(MediaPacket.FLAG_VIDEO | (frame.keyFrame() ? MediaPacket.FLAG_KEY_FRAME : 0), call, 9, 1,
                    seq, 0, frame.data()).fragment(1200));
        }
        assertThat(packets.size()).as("key frames need many packets").isGreaterThan(20);
        Collections.shuffle(packets, new Random(5));
        List<Long> rebuilt = new ArrayList<>();
        for (MediaPacket packet : packets) {
            reassembler.accept(packet).ifPresent(f -> {
                SyntheticVideo.Checked checked = SyntheticVideo.check(f.payload());
                assertThat(checked.sequence()).isEqualTo(f.sequence());
                rebuilt.add(checked.sequence());
            });
        }
        assertThat(rebuilt).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    }
}
