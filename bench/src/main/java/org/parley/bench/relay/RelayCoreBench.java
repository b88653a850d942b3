package org.parley.bench.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.parley.server.calls.CallId;
import org.parley.server.calls.CallTokens;
import org.parley.server.calls.MediaSink;
import org.parley.server.calls.Relay;
import org.parley.server.calls.RelayLimits;
import org.parley.server.calls.RelayParticipant;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The relay's forwarding core without sockets: {@code Relay.forward} of a 101-byte MEDIA datagram
 * to sinks that only release it, in calls of 2 and 4, with warm-up and repeats. Reports the benchmark thread's CPU time per
 * forwarded copy, which a busy shared machine hardly changes, so it tells how much of the
 * relay's per-frame cost is its own code and how much is the kernel's UDP path.
 *
 * <p>Run as {@code parley bench relay-core}.
 */
@Command(name = "relay-core",
        description = {"CPU time of the relay's forwarding code alone, without sockets.",
                "Relay.forward of a 101-byte media datagram to sinks that drop it, in calls of 2 and 4: CPU time per"
                + " forwarded copy (one warm-up round, then the measured ones)."})
public final class RelayCoreBench implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--calls", defaultValue = "1000", paramLabel = "N", description = "Concurrent calls (default ${DEFAULT-VALUE}).")
    int calls;

    @Option(names = "--seconds", defaultValue = "3", paramLabel = "S", description = "Seconds per round (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--repeats", defaultValue = "3", paramLabel = "N", description = "Measured rounds per call size (default ${DEFAULT-VALUE}).")
    int repeats;

    @Override
    public Integer call() throws Exception {
        if (calls < 1 || seconds < 1 || repeats < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--calls, --seconds and --repeats must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int size : new int[]{2, 4}) {
            CallTokens tokens = CallTokens.withRandomSecret(new SecureRandom(), Clock.systemUTC(), Duration.ofHours(1));
            RelayLimits bench = RelayProcess.benchLimits(calls);
            // A budget no sender reaches, so that every forward() is a full forward.
            Relay relay = new Relay(tokens, new RelayLimits(bench.maxDatagramBytes(), bench.maxCalls(),
                    bench.maxParticipantsPerCall(), 1e12, 1e12, bench.sourcePacketsPerSecond(), bench.sourceBurst(),
                    bench.maxTrackedSources(), bench.idleTimeout(), bench.maxJoinNonces()));
            MediaSink discard = ByteBuf::release;
            List<RelayParticipant> senders = new ArrayList<>();
            for (int c = 0; c < calls; c++) {
                for (int p = 0; p < size; p++) {
                    CallId call = new CallId(7, c);
                    byte[] device = {(byte) p};
                    RelayParticipant participant = relay.joinAsDevice(tokens.issue(call, tokens.participantId(call, device)),
                            device, discard);
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
                    out.printf(Locale.ROOT, "call size %d, %d calls: %d forward() calls, %d copies forwarded, "
                                    + "%.0f ns CPU per copy, %.0f ns CPU per forward()%n", size, calls, forwards, forwarded,
                            (double) cpu / Math.max(1, forwarded), (double) cpu / Math.max(1, forwards));
                }
            }
            datagram.release();
        }
        return 0;
    }
}
