package org.parley.server.calls;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.parley.media.audio.CrossCorrelation;
import org.parley.media.audio.OpusFormat;
import org.parley.media.audio.OpusFrameDecoder;
import org.parley.media.jitter.JitterBuffer;
import org.parley.media.jitter.JitterStats;
import org.parley.media.jitter.Playout;
import org.parley.media.packet.MediaPacket;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A call through the relay where the listener's downlink loses 5 % of datagrams and delays them
 * 100 to 140 ms (reordering them), on real sockets: the jitter buffer, fed with the real arrival
 * times, plays at least 90 % of the frames and the decoder conceals the rest.
 */
@Tag("realtime")
class UdpRelayImpairedNetworkTest {
    private static final int FRAMES = 250;

    @Test
    void fivePercentLossAndHundredMillisecondsDelayStillPlayNinetyPercent() throws Exception {
        SecureRandom random = new SecureRandom();
        CallTokens tokens = CallTokens.withRandomSecret(random, Clock.systemUTC(), Duration.ofMinutes(5));
        org.parley.media.packet.CallId callId = org.parley.media.packet.CallId.random(random);
        CallId id = new CallId(callId.high(), callId.low());
        TestCallClient alice = new TestCallClient(callId, 0, List.of(0, 1), 7, FRAMES);
        TestCallClient bob = new TestCallClient(callId, 1, List.of(0, 1), 7, FRAMES);
        try (UdpRelayServer server = UdpRelayServer.start(new Relay(tokens, RelayLimits.defaults()),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
             ImpairmentProxy impairment = new ImpairmentProxy(server.localAddress(), 20261128, 0.05, 100, 40);
             UdpTestEndpoint a = new UdpTestEndpoint(server.localAddress());
             UdpTestEndpoint b = new UdpTestEndpoint(impairment.address())) {
            a.join(tokens, tokens.issue(id, 0), server.localAddress());
            b.join(tokens, tokens.issue(id, 1), server.localAddress());
            long start = System.nanoTime();
            for (int s = 0; s < FRAMES; s++) {
                a.send(alice.audioDatagram(s));
                long next = start + (s + 1) * 20_000_000L;
                while (System.nanoTime() < next) {
                    Thread.sleep(1);
                }
            }
            Thread.sleep(500);

            // Replay the real arrivals through the jitter buffer, polling every millisecond.
            List<byte[]> datagrams = b.received();
            List<Long> arrivals = b.arrivalMillis();
            JitterBuffer buffer = new JitterBuffer(JitterBuffer.Config.audio());
            OpusFrameDecoder decoder = new OpusFrameDecoder();
            short[] played = new short[FRAMES * OpusFormat.FRAME_SAMPLES];
            int next = 0;
            long first = arrivals.get(0);
            long end = arrivals.get(arrivals.size() - 1) + 1_000;
            for (long now = first; now <= end; now++) {
                while (next < datagrams.size() && arrivals.get(next) <= now) {
                    byte[] datagram = datagrams.get(next++);
                    if (datagram[0] == RelayDatagram.MEDIA) {
                        MediaPacket packet = MediaPacket.decode(datagram, 1, datagram.length - 1);
                        buffer.offer(packet.sequence(), packet.timestamp(), datagram, now);
                    }
                }
                for (Playout p; (p = buffer.poll(now)) != null; ) {
                    short[] pcm;
                    if (p instanceof Playout.Frame frame) {
                        pcm = decoder.decode(bob.decryptAll(List.of(frame.payload())).get(0));
                    } else {
                        byte[] following = buffer.peek(p.sequence() + 1);
                        pcm = following != null ? decoder.recover(bob.decryptAll(List.of(following)).get(0))
                                : decoder.conceal();
                    }
                    System.arraycopy(pcm, 0, played, (int) p.sequence() * OpusFormat.FRAME_SAMPLES, pcm.length);
                }
            }
            JitterStats stats = buffer.stats();
            assertThat(impairment.dropped()).as("the impairment did drop frames").isPositive();
            assertThat(stats.played()).as("frames played; %s", stats)
                    .isGreaterThanOrEqualTo((long) Math.ceil(FRAMES * 0.9));
            assertThat(decoder.concealedFrames() + decoder.recoveredFrames()).isEqualTo(stats.concealed());
            assertThat(stats.meanDelayMillis()).isGreaterThanOrEqualTo(100);
            assertThat(CrossCorrelation.align(alice.speech, played, 1_000).correlation()).isGreaterThan(0.8);
        }
    }
}
