package org.parley.bench.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.parley.server.calls.CallId;
import org.parley.server.calls.CallTokens;
import org.parley.server.calls.MediaSink;
import org.parley.server.calls.Relay;
import org.parley.server.calls.RelayLimits;
import org.parley.server.calls.RelayParticipant;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The relay's forwarding core without sockets: {@code Relay.forward} of a 101-byte MEDIA datagram
 * to sinks that only release it, in calls of 2 and 4, with warm-up and repeats. Reports the benchmark thread's CPU time per
 * forwarded copy, which a busy shared machine hardly changes, so it tells how much of the
 * relay's per-frame cost is its own code and how much is the kernel's UDP path.
 *
 * <pre>java -cp ... org.parley.bench.relay.RelayCoreBench [calls=1000] [seconds=3] [repeats=3]</pre>
 */
public final class RelayCoreBench {
    private RelayCoreBench() {
    }

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int size : new int[]{2, 4}) {
            CallTokens tokens = CallTokens.withRandomSecret(new SecureRandom(), Clock.systemUTC(), Duration.ofHours(1));
            RelayLimits bench = RelayProcess.benchLimits(calls);
            // A budget no sender reaches, so that every forward() is a full forward.
            Relay relay = new Relay(tokens, new RelayLimits(bench.maxDatagramBytes(), bench.maxCalls(),
                    bench.maxParticipantsPerCall(), 1e12, 1e12, bench.sourcePacketsPerSecond(), bench.sourceBurst(),
                    bench.maxTrackedSources(), bench.idleTimeout()));
            MediaSink discard = ByteBuf::release;
            List<RelayParticipant> senders = new ArrayList<>();
            for (int c = 0; c < calls; c++) {
                for (int p = 0; p < size; p++) {
                    RelayParticipant participant = relay.join(tokens.issue(new CallId(7, c), p), discard);
                    if (p == 0) {
                        senders.add(participant);
                    }
                }
            }
            ByteBuf datagram = Unpooled.directBuffer(101).writeByte(3).writeZero(100);
            // The first round is warm-up.
            for (int repeat = 0; repeat <= repeats; repeat++) {
                long forwardedBefore = relay.stats().framesForwarded();
                long cpuBefore = threads.getCurrentThreadCpuTime();
                long wallBefore = System.nanoTime();
                long deadline = wallBefore + seconds * 1_000_000_000L;
                long forwards = 0;
                while (System.nanoTime() < deadline) {
                    for (RelayParticipant sender : senders) {
                        relay.forward(sender, datagram);
                    }
                    forwards += senders.size();
                }
                long cpu = threads.getCurrentThreadCpuTime() - cpuBefore;
                long forwarded = relay.stats().framesForwarded() - forwardedBefore;
                if (repeat > 0) {
                    System.out.printf(Locale.ROOT, "call size %d, %d calls: %d forward() calls, %d copies forwarded, "
                                    + "%.0f ns CPU per copy, %.0f ns CPU per forward()%n", size, calls, forwards, forwarded,
                            (double) cpu / Math.max(1, forwarded), (double) cpu / Math.max(1, forwards));
                }
            }
            datagram.release();
        }
    }
}
