package org.parley.bench.relay;

import org.parley.server.calls.CallTokens;
import org.parley.server.calls.Relay;
import org.parley.server.calls.RelayLimits;
import org.parley.server.calls.UdpRelayServer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Parley's UDP relay alone in its own JVM, as the benchmark runs it so that its CPU time can be
 * read per process exactly like coturn's. Reads the token secret (hex) as the first line of
 * standard input, prints the bound port, and stops when standard input closes.
 *
 * <pre>java -cp ... org.parley.bench.relay.RelayProcess THREADS MAX_CALLS</pre>
 */
public final class RelayProcess {
    private RelayProcess() {
    }

    /** The relay's limits for the benchmark: defaults, except room for every stream's call. */
    static RelayLimits benchLimits(int calls) {
        RelayLimits defaults = RelayLimits.defaults();
        // Every generator socket shares one IP address: lift the per-IP budget for unknown
        // sources, which would otherwise (rightly) throttle 2 x N joins from one address.
        return new RelayLimits(defaults.maxDatagramBytes(), Math.max(defaults.maxCalls(), calls),
                defaults.maxParticipantsPerCall(), defaults.participantPacketsPerSecond(), defaults.participantBurst(),
                1e9, 1e9, defaults.maxTrackedSources(), defaults.idleTimeout(),
                Math.max(defaults.maxJoinNonces(), 4 * calls));
    }

    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[0]);
        int calls = Integer.parseInt(args[1]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        byte[] secret = HexFormat.of().parseHex(in.readLine().trim());
        CallTokens tokens = new CallTokens(secret, Clock.systemUTC(), Duration.ofHours(1));
        try (UdpRelayServer server = UdpRelayServer.start(new Relay(tokens, benchLimits(calls)),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), threads)) {
            System.out.println("port " + server.localAddress().getPort());
            System.out.flush();
            while (in.readLine() != null) {
                System.out.println(server.relay().stats().snapshot());
                System.out.flush();
            }
        }
    }
}
