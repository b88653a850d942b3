package org.parley.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.parley.bench.load.LoadConfig;
import org.parley.bench.load.LoadDriver;
import org.parley.bench.load.LoadRun;
import org.parley.bench.load.StepResult;
import org.parley.bench.load.Loopback;
import org.parley.bench.load.parley.ParleyDriver;
import org.parley.bench.load.parley.ServerUrl;
import org.parley.bench.load.xmpp.XmppDriver;
import org.parley.client.net.ServerAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code parley bench load}: the load generator of issue 7, against a Parley server
 * ({@code --server}) or an XMPP peer ({@code --peer xmpp://…}).
 */
@Command(name = "load",
        description = {"Server load: N device connections sending opaque messages at a fixed rate.",
                "The rate is offered open loop (slow answers never lower it); it measures delivered msgs/s, send-to-receive latency and the server's CPU and memory.",
                "Progress goes to standard error once a second; the summary to standard output."})
public final class LoadCommand implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Parley allows 20 registrations per source address and hour; stay below. */
    static final int CLIENTS_PER_SOURCE = 16;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--clients", defaultValue = "1000", description = "Device connections (default ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--rate", defaultValue = "1000", split = ",", paramLabel = "MSGS_PER_S",
            description = "Aggregate messages/s offered; a comma list runs one step per rate on the same connections (default ${DEFAULT-VALUE}).")
    List<Double> rates;

    @Option(names = "--size", defaultValue = "256", description = "Payload bytes (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--duration", defaultValue = "10", paramLabel = "S", description = "Seconds per rate step, or idle hold time (default ${DEFAULT-VALUE}).")
    int duration;

    @Option(names = "--groups", defaultValue = "0", paramLabel = "SIZE", description = "Send to groups of SIZE (fan-out to SIZE-1 members) instead of one random recipient.")
    int groups;

    @Option(names = "--server", defaultValue = "http://127.0.0.1:7878", paramLabel = "URL", converter = ServerUrl.class,
            description = {"The Parley server (default ${DEFAULT-VALUE}): http(s)://HOST:PORT as the other commands take it,"
                    + " or ws(s)://HOST:PORT/v1/ws as 'parley server' prints it. https and wss trust what the JVM trusts"
                    + " (see PARLEY_JAVA_OPTS)."})
    ServerAddress server;

    @Option(names = "--peer", paramLabel = "URL", description = "Drive an XMPP server instead, e.g. xmpp://127.0.0.1:5222 (users user1..N, password pw).")
    URI peer;

    @Option(names = "--xmpp-domain", defaultValue = "localhost", description = "XMPP domain of the peer's users (default ${DEFAULT-VALUE}).")
    String xmppDomain;

    @Option(names = "--xmpp-user-prefix", defaultValue = "user", description = "XMPP users are PREFIX1..PREFIXN (default ${DEFAULT-VALUE}).")
    String xmppUserPrefix;

    @Option(names = "--xmpp-password", defaultValue = "pw", description = "Password of every XMPP user (default ${DEFAULT-VALUE}).")
    String xmppPassword;

    @Option(names = "--sealed", description = {"Parley only: every client also keeps an anonymous connection and sends every message there,",
            "sealed, paying with an anonymous send token (fetched before the run) and showing the recipient's access key."})
    boolean sealed;

    @Option(names = "--padded", description = "Parley only: pad every payload to its Padme size bucket before sending.")
    boolean padded;

    @Option(names = "--tokens-per-client", paramLabel = "N", description = {"With --sealed: send tokens each client gets before the run",
            "(default: its share of the messages of every step, warm-up included, plus a third); more are fetched when a quarter is left."})
    Integer tokensPerClient;

    @Option(names = "--idle", description = "Only connect and hold: report the server's memory per idle connection.")
    boolean idle;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the figures as one JSON object per rate step (one line each).")
    Path json;

    @Option(names = "--server-pid", defaultValue = "0", paramLabel = "PID", description = "The server's PID (default: the process listening on the port).")
    long serverPid;

    @Option(names = "--stop-above-p99", defaultValue = "0", paramLabel = "MS", description = "Stop stepping through --rate once two steps in a row have a p99 above MS.")
    double stopAboveP99Ms;

    @Option(names = "--threads", paramLabel = "N", description = "Generator event-loop threads (default: the number of cores).")
    Integer threads;

    @Option(names = "--sources", paramLabel = "N", description = {"Spread connections over N loopback source addresses",
            "(default: one per " + CLIENTS_PER_SOURCE + " clients, at least 8, from a random place in 127.0.0.0/8,",
            "so that a server's per-address registration limit is not hit and ports do not run out)."})
    Integer sources;

    @Option(names = "--connect-concurrency", defaultValue = "200", paramLabel = "N", description = "Logins in flight at once (default ${DEFAULT-VALUE}).")
    int connectConcurrency;

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "S", description = "Unmeasured seconds at the first rate before measuring (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--drain", defaultValue = "5", paramLabel = "S", description = "Longest wait for in-flight messages after each step (default ${DEFAULT-VALUE}).")
    int drain;

    @Override
    public Integer call() throws Exception {
        int sourceCount = sources != null ? sources : Math.max(8, (clients + CLIENTS_PER_SOURCE - 1) / CLIENTS_PER_SOURCE);
        // A fresh block per run: an earlier run's registrations against the same server do not count.
        int firstSource = sources != null ? 0
                : ThreadLocalRandom.current().nextInt(LoadConfig.MAX_SOURCE_ADDRESSES - sourceCount);
        LoadConfig config = new LoadConfig(clients, rates, size, duration, groups, idle,
                threads != null ? threads : Runtime.getRuntime().availableProcessors(), firstSource, sourceCount,
                connectConcurrency, warmup, drain, stopAboveP99Ms, serverPid);
        LoadDriver driver = driver();
        Loopback.require(driver.server());
        PrintStream progress = System.err;
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Writer jsonOut = json == null ? Writer.nullWriter() : Files.newBufferedWriter(json)) {
            List<StepResult> results = new LoadRun(config, driver, progress).run(result -> {
                try {
                    jsonOut.write(JSON.writeValueAsString(result.toJson()) + "\n");
                    jsonOut.flush();
                } catch (IOException e) {
                    throw new IllegalStateException("cannot write " + json + ": " + e.getMessage(), e);
                }
            });
            out.println();
            results.forEach(r -> out.print(r.summary()));
        }
        return 0;
    }

    private LoadDriver driver() {
        if (peer != null) {
            if (sealed || padded) {
                throw new IllegalArgumentException("--sealed and --padded are Parley's: they do not apply to --peer");
            }
            return XmppDriver.forUri(peer, new XmppDriver.XmppAccounts(xmppDomain, xmppUserPrefix, xmppPassword));
        }
        return ParleyDriver.forServer(server, new ParleyDriver.Options(sealed, padded, sealed ? tokensPerClient() : 0));
    }

    /** Each client's share of the messages the run will send, plus a third for the randomness of who sends. */
    int tokensPerClient() {
        if (tokensPerClient != null) {
            return tokensPerClient;
        }
        double messages = rates.get(0) * warmup + rates.stream().mapToDouble(r -> r * duration).sum();
        return (int) Math.ceil(messages / clients * 4 / 3) + 5;
    }
}
