package org.parley.media.audio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpusRoundTripTest {

    static short[] roundTrip(short[] input, int lossEvery) throws AudioCodecException {
        OpusFrameEncoder encoder = OpusFrameEncoder.forVoice();
        OpusFrameDecoder decoder = new OpusFrameDecoder();
        int frames = input.length / OpusFormat.FRAME_SAMPLES;
        short[] output = new short[frames * OpusFormat.FRAME_SAMPLES];
        for (int f = 0; f < frames; f++) {
            byte[] packet = encoder.encode(Arrays.copyOfRange(input, f * OpusFormat.FRAME_SAMPLES, (f + 1) * OpusFormat.FRAME_SAMPLES));
            boolean lost = lossEvery > 0 && f % lossEvery == lossEvery - 1;
            short[] pcm = decoder.decode(lost ? null : packet);
            System.arraycopy(pcm, 0, output, f * OpusFormat.FRAME_SAMPLES, pcm.length);
        }
        return output;
    }

    @Test
    void sineSweepSurvivesOpus() throws Exception {
        short[] sweep = Signals.sineSweep(2.0, 100, 4000, 0.5);
        CrossCorrelation.Alignment alignment = CrossCorrelation.align(sweep, roundTrip(sweep, 0), 1200);
        assertThat(alignment.correlation()).isGreaterThanOrEqualTo(0.9);
    }

    @Test
    void speechLikeSignalSurvivesOpus() throws Exception {
        short[] speech = Signals.speechLike(2.0, 7);
        CrossCorrelation.Alignment alignment = CrossCorrelation.align(speech, roundTrip(speech, 0), 1200);
        assertThat(alignment.correlation()).isGreaterThanOrEqualTo(0.9);
    }

    @Test
    void warmingUpLeavesEveryOtherEncoderAsItWas() throws Exception {
        short[] speech = Signals.speechLike(0.2, 17);
        byte[][] before = encodeAll(speech);
        OpusFrameEncoder.warmUp(30);
        assertThat(encodeAll(speech)).as("a throwaway encoder: the next call's packets are what they would have been")
                .isDeepEqualTo(before);
    }

    private static byte[][] encodeAll(short[] speech) throws Exception {
        OpusFrameEncoder encoder = OpusFrameEncoder.forVoice();
        byte[][] packets = new byte[speech.length / 960][];
        for (int f = 0; f < packets.length; f++) {
            packets[f] = encoder.encode(Arrays.copyOfRange(speech, f * 960, (f + 1) * 960));
        }
        return packets;
    }

    @Test
    void lostFramesAreConcealedNotSilent() throws Exception {
        short[] speech = Signals.speechLike(2.0, 11);
        OpusFrameEncoder encoder = OpusFrameEncoder.forVoice();
        OpusFrameDecoder decoder = new OpusFrameDecoder();
        for (int f = 0; f < 10; f++) {
            decoder.decode(encoder.encode(Arrays.copyOfRange(speech, f * 960, (f + 1) * 960)));
        }
        short[] concealed = decoder.decode(null);
        assertThat(decoder.concealedFrames()).isEqualTo(1);
        assertThat(energy(concealed)).as("PLC continues the signal instead of playing silence").isGreaterThan(0);
    }

    @Test
    void fecRebuildsALostFrameFromTheNextPacket() throws Exception {
        short[] speech = Signals.speechLike(1.0, 3);
        OpusFrameEncoder encoder = new OpusFrameEncoder(32_000, 20);
        OpusFrameDecoder decoder = new OpusFrameDecoder();
        byte[][] packets = new byte[20][];
        for (int f = 0; f < packets.length; f++) {
            packets[f] = encoder.encode(Arrays.copyOfRange(speech, f * 960, (f + 1) * 960));
        }
        for (int f = 0; f < 10; f++) {
            decoder.decode(packets[f]);
        }
        short[] rebuilt = decoder.recover(packets[11]);
        decoder.decode(packets[11]);
        assertThat(decoder.recoveredFrames()).isEqualTo(1);
        assertThat(energy(rebuilt)).isGreaterThan(0);
    }

    @Test
    void quarterLossStillResemblesTheOriginal() throws Exception {
        short[] speech = Signals.speechLike(2.0, 5);
        CrossCorrelation.Alignment alignment = CrossCorrelation.align(speech, roundTrip(speech, 4), 1200);
        assertThat(alignment.correlation()).isGreaterThan(0.5);
    }

    @Test
    void rejectsWrongFrameSizesAndBadPackets() {
        OpusFrameEncoder encoder = OpusFrameEncoder.forVoice();
        assertThatThrownBy(() -> encoder.encode(new short[480])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("960 samples");
        OpusFrameDecoder decoder = new OpusFrameDecoder();
        assertThatThrownBy(() -> decoder.decode(new byte[0])).isInstanceOf(AudioCodecException.class)
                .hasMessageContaining("0 bytes");
        assertThatThrownBy(() -> decoder.decode(new byte[2000])).isInstanceOf(AudioCodecException.class)
                .hasMessageContaining("2000 bytes");
    }

    @Test
    void crossCorrelationFindsTheLagAndTellsUnrelatedSignalsApart() {
        short[] speech = Signals.speechLike(1.0, 1);
        short[] delayed = new short[speech.length + 500];
        System.arraycopy(speech, 0, delayed, 500, speech.length);
        CrossCorrelation.Alignment alignment = CrossCorrelation.align(speech, delayed, 1000);
        assertThat(alignment.lag()).isEqualTo(500);
        assertThat(alignment.correlation()).isGreaterThan(0.999);
        short[] other = Signals.speechLike(1.0, 2);
        assertThat(CrossCorrelation.normalized(speech, other)).isLessThan(0.5);
    }

    @Test
    void aRecordingThatMissedTheFirstFrameIsFoundAheadOfTheReference() {
        short[] speech = Signals.speechLike(3.0, 7);
        short[] fromSecondFrame = Arrays.copyOfRange(speech, 960, speech.length);
        assertThat(CrossCorrelation.align(speech, fromSecondFrame, 2400).correlation())
                .as("searching only recordings behind the reference finds no match").isLessThan(0.5);
        CrossCorrelation.Alignment ahead = CrossCorrelation.alignEitherWay(speech, fromSecondFrame, 2400);
        assertThat(ahead.lag()).isEqualTo(-960);
        assertThat(ahead.correlation()).isGreaterThan(0.999);
        short[] delayed = new short[speech.length + 500];
        System.arraycopy(speech, 0, delayed, 500, speech.length);
        assertThat(CrossCorrelation.alignEitherWay(speech, delayed, 2400).lag()).isEqualTo(500);
        assertThat(CrossCorrelation.alignEitherWay(speech, Signals.speechLike(3.0, 8), 2400).correlation()).isLessThan(0.5);
    }

    @Test
    void wavFilesRoundTripAndOtherRatesAreRefused(@TempDir Path dir) throws Exception {
        short[] sweep = Signals.sineSweep(0.5, 200, 2000, 0.4);
        Path file = dir.resolve("sweep.wav");
        WavFiles.write(file, sweep);
        assertThat(WavFiles.read(file)).containsExactly(sweep);

        Path slow = dir.resolve("8k.wav");
        javax.sound.sampled.AudioFormat format = new javax.sound.sampled.AudioFormat(8000, 16, 1, true, false);
        try (var in = new javax.sound.sampled.AudioInputStream(new java.io.ByteArrayInputStream(new byte[1600]), format, 800)) {
            javax.sound.sampled.AudioSystem.write(in, javax.sound.sampled.AudioFileFormat.Type.WAVE, slow.toFile());
        }
        assertThatThrownBy(() -> WavFiles.read(slow)).isInstanceOf(AudioCodecException.class)
                .hasMessageContaining("8000 Hz").hasMessageContaining("48000");

        Path junk = dir.resolve("junk.wav");
        java.nio.file.Files.write(junk, new byte[]{'R', 'I', 'F', 'F', 1, 2, 3});
        assertThatThrownBy(() -> WavFiles.read(junk)).isInstanceOf(AudioCodecException.class);
    }

    @Test
    void stereoWavIsMixedDownAndOtherDepthsRefused(@TempDir Path dir) throws Exception {
        Path stereo = dir.resolve("stereo.wav");
        javax.sound.sampled.AudioFormat format = new javax.sound.sampled.AudioFormat(48_000, 16, 2, true, false);
        byte[] frames = {100, 0, (byte) 200, 0, 10, 0, 30, 0}; // (100, 200), (10, 30), little-endian
        try (var in = new javax.sound.sampled.AudioInputStream(new java.io.ByteArrayInputStream(frames), format, 2)) {
            javax.sound.sampled.AudioSystem.write(in, javax.sound.sampled.AudioFileFormat.Type.WAVE, stereo.toFile());
        }
        assertThat(WavFiles.read(stereo)).containsExactly((short) 150, (short) 20);

        Path eightBit = dir.resolve("8bit.wav");
        javax.sound.sampled.AudioFormat u8 = new javax.sound.sampled.AudioFormat(48_000, 8, 1, false, false);
        try (var in = new javax.sound.sampled.AudioInputStream(new java.io.ByteArrayInputStream(new byte[100]), u8, 100)) {
            javax.sound.sampled.AudioSystem.write(in, javax.sound.sampled.AudioFileFormat.Type.WAVE, eightBit.toFile());
        }
        assertThatThrownBy(() -> WavFiles.read(eightBit)).isInstanceOf(AudioCodecException.class)
                .hasMessageContaining("16-bit");
    }

    private static long energy(short[] pcm) {
        long sum = 0;
        for (short s : pcm) {
            sum += (long) s * s;
        }
        return sum;
    }
}
