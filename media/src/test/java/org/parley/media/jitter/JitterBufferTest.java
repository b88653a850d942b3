package org.parley.media.jitter;

import org.junit.jupiter.api.Test;
import org.parley.media.audio.CrossCorrelation;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.OpusFrameDecoder;
import org.parley.media.audio.OpusFrameEncoder;
import org.parley.media.audio.Signals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class JitterBufferTest {

    private static List<Playout> drain(JitterBuffer buffer, long now) {
        List<Playout> out = new ArrayList<>();
        for (Playout p; (p = buffer.poll(now)) != null; ) {
            out.add(p);
        }
        return out;
    }

    @Test
    void reordersAndReportsTheGapAsLost() {
        JitterBuffer buffer = new JitterBuffer(JitterBuffer.Config.audio());
        byte[] f = new byte[1];
        assertThat(buffer.offer(0, 0, f, 100)).isEqualTo(JitterBuffer.Arrival.ACCEPTED);
        assertThat(buffer.offer(2, 40, f, 141)).isEqualTo(JitterBuffer.Arrival.ACCEPTED);
        assertThat(buffer.offer(1, 20, f, 142)).isEqualTo(JitterBuffer.Arrival.ACCEPTED);
        assertThat(buffer.offer(4, 80, f, 181)).isEqualTo(JitterBuffer.Arrival.ACCEPTED);
        List<Playout> out = drain(buffer, 1_000);
        assertThat(out).extracting(Playout::sequence).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(out.get(3)).isInstanceOf(Playout.Lost.class);
        assertThat(out).filteredOn(p -> p instanceof Playout.Frame).hasSize(4);
        JitterStats stats = buffer.stats();
        assertThat(stats.played()).isEqualTo(4);
        assertThat(stats.concealed()).isEqualTo(1);
        assertThat(stats.lost()).isEqualTo(1);
        assertThat(stats.meanDelayMillis()).isEqualTo((100 + 101 + 122 + 101) / 4.0);
    }

    @Test
    void holdsFramesUntilTheirPlayoutTime() {
        JitterBuffer buffer = new JitterBuffer(new JitterBuffer.Config(20, 60, 60, 500, 16));
        buffer.offer(10, JitterBuffer.NO_TIMESTAMP, new byte[1], 1_000);
        assertThat(buffer.poll(1_000)).isNull();
        assertThat(buffer.poll(1_059)).isNull();
        assertThat(buffer.poll(1_060)).isInstanceOf(Playout.Frame.class);
    }

    @Test
    void lateFramesAndDuplicatesAreCountedAndDropped() {
        JitterBuffer buffer = new JitterBuffer(JitterBuffer.Config.audio());
        byte[] f = new byte[1];
        buffer.offer(0, 0, f, 0);
        buffer.offer(2, 40, f, 40);
        drain(buffer, 1_000);
        assertThat(buffer.offer(0, 0, f, 1_001)).isEqualTo(JitterBuffer.Arrival.DUPLICATE);
        assertThat(buffer.offer(1, 20, f, 1_002)).isEqualTo(JitterBuffer.Arrival.LATE);
        assertThat(buffer.offer(1, 20, f, 1_003)).isEqualTo(JitterBuffer.Arrival.DUPLICATE);
        buffer.offer(5, 100, f, 1_004);
        assertThat(buffer.offer(5, 100, f, 1_005)).isEqualTo(JitterBuffer.Arrival.DUPLICATE);
        JitterStats stats = buffer.stats();
        assertThat(stats.late()).isEqualTo(1);
        assertThat(stats.duplicates()).isEqualTo(3);
        assertThat(stats.lost()).isZero();
    }

    @Test
    void memoryIsBoundedAndAJumpAheadResyncs() {
        JitterBuffer buffer = new JitterBuffer(new JitterBuffer.Config(20, 20, 20, 500, 8));
        byte[] f = new byte[1];
        for (int s = 0; s < 8; s++) {
            assertThat(buffer.offer(s, JitterBuffer.NO_TIMESTAMP, f, 0)).isEqualTo(JitterBuffer.Arrival.ACCEPTED);
        }
        assertThat(buffer.offer(100, JitterBuffer.NO_TIMESTAMP, f, 0)).isEqualTo(JitterBuffer.Arrival.OVERFLOW);
        assertThat(buffer.size()).isEqualTo(8);
        drain(buffer, 10_000);
        // Started: a frame far ahead drops the stale window instead of growing the buffer.
        assertThat(buffer.offer(1_000, JitterBuffer.NO_TIMESTAMP, f, 10_000)).isEqualTo(JitterBuffer.Arrival.ACCEPTED);
        assertThat(buffer.size()).isEqualTo(1);
        List<Playout> out = drain(buffer, 1_000_000);
        assertThat(out).last().isEqualTo(out.get(out.size() - 1)).extracting(Playout::sequence).isEqualTo(1_000L);
        assertThat(out).hasSizeLessThanOrEqualTo(8);
        JitterStats stats = buffer.stats();
        assertThat(stats.late()).isZero();
        assertThat(stats.played() + stats.lost()).as("every sequence number 0..1000 played or lost").isEqualTo(1_001);
    }

    /**
     * A seeded impairment like the restricted-network test's: 5 % loss, 100 ms delay with up to
     * 60 ms of jitter (which reorders frames 20 ms apart), 1 % duplicated. Real Opus frames go
     * through the buffer; every Lost is concealed by the decoder.
     */
    @Test
    void impairedNetworkPlaysAtLeastNinetyPercentAndConcealsTheRest() throws Exception {
        SplittableRandom random = new SplittableRandom(20261128);
        short[] speech = Signals.speechLike(10.0, 42);
        int frames = speech.length / OpusFormat.FRAME_SAMPLES;
        OpusFrameEncoder encoder = OpusFrameEncoder.forVoice();
        record Delivery(long arrival, int sequence, long timestamp, byte[] packet) {
        }
        List<Delivery> network = new ArrayList<>();
        int dropped = 0;
        for (int s = 0; s < frames; s++) {
            byte[] packet = encoder.encode(Arrays.copyOfRange(speech, s * 960, (s + 1) * 960));
            long sent = s * 20L;
            if (random.nextDouble() < 0.05) {
                dropped++;
                continue;
            }
            network.add(new Delivery(sent + 100 + random.nextInt(61), s, sent, packet));
            if (random.nextDouble() < 0.01) {
                network.add(new Delivery(sent + 100 + random.nextInt(61), s, sent, packet));
            }
        }
        network.sort(Comparator.comparingLong(Delivery::arrival));

        JitterBuffer buffer = new JitterBuffer(JitterBuffer.Config.audio());
        OpusFrameDecoder decoder = new OpusFrameDecoder();
        short[] played = new short[frames * 960];
        int next = 0;
        for (long now = 0; now < frames * 20L + 1_000; now++) {
            while (next < network.size() && network.get(next).arrival() <= now) {
                Delivery d = network.get(next++);
                buffer.offer(d.sequence(), d.timestamp(), d.packet(), now);
            }
            for (Playout p; (p = buffer.poll(now)) != null; ) {
                short[] pcm;
                if (p instanceof Playout.Frame frame) {
                    pcm = decoder.decode(frame.payload());
                } else {
                    byte[] following = buffer.peek(p.sequence() + 1);
                    pcm = following != null ? decoder.recover(following) : decoder.conceal();
                }
                System.arraycopy(pcm, 0, played, (int) p.sequence() * 960, 960);
            }
        }
        JitterStats stats = buffer.stats();
        assertThat(stats.played()).isGreaterThanOrEqualTo((long) Math.ceil(frames * 0.9));
        assertThat(stats.played() + stats.concealed()).isEqualTo(frames);
        assertThat(stats.lost()).isEqualTo(dropped);
        assertThat(decoder.concealedFrames() + decoder.recoveredFrames()).isEqualTo(stats.concealed());
        assertThat(decoder.recoveredFrames()).as("some losses rebuilt from the next frame's FEC").isPositive();
        assertThat(stats.meanDelayMillis()).isBetween(120.0, 140.0);
        assertThat(stats.p99DelayMillis()).isBetween(150L, 160L);
        assertThat(stats.targetDelayMillis()).isGreaterThan(20);
        assertThat(CrossCorrelation.align(speech, played, 1200).correlation()).isGreaterThan(0.8);
    }
}
