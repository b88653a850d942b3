package org.parley.bench.bridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.parley.bench.load.LatencySummary;
import org.parley.bench.load.LoadConfig;
import org.parley.bench.load.LoadRun;
import org.parley.bench.load.StepResult;
import org.parley.bench.load.Transport;
import org.parley.bench.load.parley.ParleyConnection;
import org.parley.bench.load.parley.ParleyDriver;
import org.parley.bench.load.parley.ParleyEndpoint;
import org.parley.client.net.ServerAddress;
import org.parley.server.bridge.BridgeCertificate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code parley bench bridge}: a TLS Parley server and a bridge in front of it, each in its own JVM
 * on loopback; the same load directly and through the bridge (the client's TLS inside the
 * bridge's, as real clients do), then the bridge's memory for idle relayed connections.
 */
@Command(name = "bridge", mixinStandardHelpOptions = true,
        description = {"What a bridge (parley proxy) adds, directly vs through it: message throughput and p99 for N clients,",
                "call-frame p99 on the WebSocket media path, and the bridge's memory per relayed connection.",
                "Starts its own server and bridge on loopback (temporary data) and stops them."})
public final class BridgeBench implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SERVER_READY = Pattern.compile("listening on https://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern BRIDGE_READY = Pattern.compile("Parley bridge listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final int CLIENTS_PER_SOURCE = 16;
    private static final int WARMUP_CONNECTIONS = 50;
    /** Connections opened at once: each costs three TLS handshakes (client, bridge, server) on the same few cores. */
    private static final int CONNECT_BATCH = 20;
    /**
     * A fixed heap touched at start, so that the bridge's resident set grows only by what lives
     * outside the heap (the OpenSSL engine's native state, direct buffers), and NMT for the latter.
     */
    private static final List<String> BRIDGE_JVM = List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch",
            "-XX:NativeMemoryTracking=summary");
    private static final int CLASSES_SHOWN = 15;
    /**
     * Idle time before each memory snapshot, longer than the 5 s after which the JVM trims the pool
     * of its compilers' arenas, so that what an opening burst's compilations hold is not counted as
     * the connections' memory.
     */
    private static final long SETTLE_MILLIS = 6_000;
    private static final int CATEGORIES_SHOWN = 6;

    @Option(names = "--clients", defaultValue = "1000", description = "Message clients, each run (default ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--rate", defaultValue = "2000", paramLabel = "MSGS_PER_S", description = "Aggregate message rate (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--size", defaultValue = "256", description = "Payload bytes (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--duration", defaultValue = "10", paramLabel = "S", description = "Measured seconds of messages, and of call frames (default ${DEFAULT-VALUE}).")
    int duration;

    @Option(names = "--calls", defaultValue = "50", description = "Calls of two, one frame every 20 ms each (default ${DEFAULT-VALUE}).")
    int calls;

    @Option(names = "--idle", defaultValue = "8000", paramLabel = "N",
            description = "Idle relayed connections for the memory figure; the second half's growth is counted (default ${DEFAULT-VALUE};"
                    + " the bridge holds two descriptors for each, so its fd limit must be above 2 N; with a few hundred the figure"
                    + " is mostly the malloc arenas the first connections grew).")
    int idle;

    @Option(names = "--passes", defaultValue = "3", paramLabel = "N",
            description = "Measured passes each way, direct and bridge alternated, after an unmeasured warm-up pass each way;"
                    + " the figures are the passes' medians (default ${DEFAULT-VALUE}).")
    int passes;

    @Option(names = "--bridge-jvm-option", paramLabel = "OPTION",
            description = "An option for the bridge's JVM, after the fixed ones (repeatable), e.g. --bridge-jvm-option=-XX:+UseSerialGC to compare collectors.")
    List<String> bridgeJvmOptions = new ArrayList<>();

    @Option(names = "--json", paramLabel = "FILE", description = "Write the figures as one JSON object.")
    Path json;

    @Override
    public Integer call() throws Exception {
        if (clients < 2 || rate <= 0 || duration < 1 || calls < 1 || idle < 2 || passes < 1) {
            throw new IllegalArgumentException("--clients and --idle must be at least 2; --rate, --duration, --calls and --passes positive");
        }
        PrintWriter progress = spec.commandLine().getErr();
        Path work = Files.createTempDirectory("parley-bridge-bench");
        EventLoopGroup group = Transport.newGroup(Runtime.getRuntime().availableProcessors());
        try {
            Path serverTls = work.resolve("server-tls");
            BridgeCertificate serverCertificate = BridgeCertificate.loadOrCreate(serverTls, "127.0.0.1");
            try (ChildJvm server = ChildJvm.start(List.of(), List.of("server", "--listen", "127.0.0.1:0",
                    "--tls-cert", serverTls.resolve(BridgeCertificate.CERTIFICATE_FILE).toString(),
                    "--tls-key", serverTls.resolve(BridgeCertificate.KEY_FILE).toString(), "--media-port", "0",
                    "--data", work.resolve("data").toString(), "--registration-limit", "1000000",
                    "--unsealed-inbound-per-minute", "1000000"), SERVER_READY, work.resolve("server.err"));
                 ChildJvm bridge = ChildJvm.start(Stream.concat(BRIDGE_JVM.stream(), bridgeJvmOptions.stream()).toList(), List.of("proxy",
                         "--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + server.port(), "--data", work.resolve("bridge").toString(),
                         "--max-connections-per-address", "1000000", "--max-connections", "1000000", "--handshake-timeout", "60"),
                         BRIDGE_READY, work.resolve("bridge.err"))) {
                SslContext toServer = SslContextBuilder.forClient().trustManager(serverCertificate.certificate()).build();
                SslContext toBridge = SslContextBuilder.forClient().trustManager(
                        BridgeCertificate.loadOrCreate(work.resolve("bridge"), "unused").certificate()).build();
                ParleyEndpoint direct = ParleyEndpoint.of(ServerAddress.parse("https://127.0.0.1:" + server.port()), toServer);
                ParleyEndpoint bridged = direct.throughBridge(new InetSocketAddress("127.0.0.1", bridge.port()), toBridge);

                progress.printf("[bridge] memory: %d idle relayed connections%n", idle);
                ProcessMemory perConnection = memoryPerConnection(bridged, group, bridge.pid());
                progress.printf("[bridge] live heap per relayed connection by class:%n  %s%n",
                        String.join("\n  ", perConnection.largestClasses(CLASSES_SHOWN)));
                progress.printf("[bridge] native memory per relayed connection by NMT category (committed):%n  %s%n",
                        String.join("\n  ", perConnection.largestNative(CATEGORIES_SHOWN)));
                // Unmeasured: the server's and the bridge's JIT, pools and caches warm up before either route is timed.
                messages("warm-up direct", direct, server.pid(), progress);
                messages("warm-up bridge", bridged, server.pid(), progress);
                frames("warm-up direct", direct, group, progress);
                frames("warm-up bridge", bridged, group, progress);
                Passes measured = new Passes();
                for (int pass = 0; pass < passes; pass++) {
                    // Alternated (direct first, then bridge first, ...) so that neither route always runs on a fresher server.
                    for (boolean viaBridge : pass % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                        String route = (viaBridge ? "bridge" : "direct") + " " + (pass + 1) + "/" + passes;
                        ParleyEndpoint endpoint = viaBridge ? bridged : direct;
                        measured.add(viaBridge, messages(route, endpoint, server.pid(), progress), frames(route, endpoint, group, progress));
                    }
                }
                Map<String, Object> figures = figures(measured, perConnection);
                spec.commandLine().getOut().print(summary(figures));
                spec.commandLine().getOut().flush();
                if (json != null) {
                    Files.writeString(json, JSON.writeValueAsString(figures) + "\n");
                }
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            deleteTree(work);
        }
        return 0;
    }

    /**
     * The bridge's memory growth per relayed connection (signed-out WebSockets, idle): {@link #idle}
     * connections are opened in two halves and only the second half's growth counts, so that what
     * the first opening burst costs once (code compiled, buffer pools and malloc arenas grown) is
     * not charged to connections.
     */
    private ProcessMemory memoryPerConnection(ParleyEndpoint bridged, EventLoopGroup group, long bridgePid) throws Exception {
        closeAll(openAll(bridged, group, WARMUP_CONNECTIONS));
        int firstHalf = idle / 2;
        int secondHalf = idle - firstHalf;
        List<ParleyConnection> held = new ArrayList<>(openAll(bridged, group, firstHalf));
        try {
            Thread.sleep(SETTLE_MILLIS);
            ProcessMemory before = ProcessMemory.of(bridgePid);
            held.addAll(openAll(bridged, group, secondHalf));
            Thread.sleep(SETTLE_MILLIS);
            ProcessMemory grown = ProcessMemory.of(bridgePid).minus(before);
            long stillOpen = held.stream().filter(ParleyConnection::isOpen).count();
            if (stillOpen < idle) {
                throw new IOException("only " + stillOpen + " of " + idle + " relayed connections stayed open while measuring");
            }
            return grown.per(secondHalf);
        } finally {
            closeAll(held);
        }
    }

    private static List<ParleyConnection> openAll(ParleyEndpoint endpoint, EventLoopGroup group, int count) throws Exception {
        List<ParleyConnection> open = new ArrayList<>();
        for (int first = 0; first < count; first += CONNECT_BATCH) {
            List<CompletableFuture<ParleyConnection>> batch = new ArrayList<>();
            for (int i = first; i < Math.min(count, first + CONNECT_BATCH); i++) {
                batch.add(ParleyConnection.open(endpoint, group, Transport.channelClass(), InetAddress.getLoopbackAddress(), frame -> {
                }));
            }
            for (CompletableFuture<ParleyConnection> connection : batch) {
                open.add(connection.get(60, TimeUnit.SECONDS));
            }
        }
        return open;
    }

    private static void closeAll(List<ParleyConnection> connections) {
        connections.forEach(ParleyConnection::close);
    }

    private LatencySummary frames(String route, ParleyEndpoint endpoint, EventLoopGroup group, PrintWriter progress) throws Exception {
        progress.printf("[bridge] call frames %s: %d calls%n", route, calls);
        progress.flush();
        return CallFrames.run(endpoint, group, Transport.channelClass(), InetAddress.getLoopbackAddress(), calls, duration);
    }

    /** One load step; the generator's own progress goes to standard error as in {@code bench load}. */
    private StepResult messages(String route, ParleyEndpoint endpoint, long serverPid, PrintWriter progress) throws Exception {
        int sources = Math.max(8, (clients + CLIENTS_PER_SOURCE - 1) / CLIENTS_PER_SOURCE);
        int firstSource = ThreadLocalRandom.current().nextInt(LoadConfig.MAX_SOURCE_ADDRESSES - sources);
        LoadConfig config = new LoadConfig(clients, List.of(rate), size, duration, 0, false, Runtime.getRuntime().availableProcessors(),
                firstSource, sources, 200, 2, 5, 0, serverPid);
        progress.printf("[bridge] messages %s%n", route);
        progress.flush();
        return new LoadRun(config, ParleyDriver.forEndpoint(endpoint, ParleyDriver.Options.PLAIN), System.err).run(step -> {
        }).get(0);
    }

    /** The measured passes of each route, in the order they ran. */
    static final class Passes {
        final List<StepResult> messagesDirect = new ArrayList<>();
        final List<StepResult> messagesBridged = new ArrayList<>();
        final List<LatencySummary> framesDirect = new ArrayList<>();
        final List<LatencySummary> framesBridged = new ArrayList<>();

        void add(boolean viaBridge, StepResult messages, LatencySummary frames) {
            (viaBridge ? messagesBridged : messagesDirect).add(messages);
            (viaBridge ? framesBridged : framesDirect).add(frames);
        }
    }

    /** The middle value (the mean of the two middle ones for an even count). */
    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    private static <T> double median(List<T> passes, java.util.function.ToDoubleFunction<T> figure) {
        return median(passes.stream().map(figure::applyAsDouble).toList());
    }

    /** Medians over the passes; "added" is the bridge's median minus the direct median. */
    static Map<String, Object> figures(Passes p, ProcessMemory perConnection) {
        StepResult first = p.messagesDirect.get(0);
        double directP99 = median(p.messagesDirect, m -> m.latency().p99Ms());
        double bridgeP99 = median(p.messagesBridged, m -> m.latency().p99Ms());
        double directFrameP99 = median(p.framesDirect, LatencySummary::p99Ms);
        double bridgeFrameP99 = median(p.framesBridged, LatencySummary::p99Ms);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("clients", first.clients());
        figures.put("offered_per_s", first.offeredRate());
        figures.put("passes", p.messagesDirect.size());
        figures.put("direct_delivered_per_s", round(median(p.messagesDirect, StepResult::deliveredPerSecond)));
        figures.put("bridge_delivered_per_s", round(median(p.messagesBridged, StepResult::deliveredPerSecond)));
        figures.put("direct_message_p50_ms", round(median(p.messagesDirect, m -> m.latency().p50Ms())));
        figures.put("bridge_message_p50_ms", round(median(p.messagesBridged, m -> m.latency().p50Ms())));
        figures.put("direct_message_p99_ms", round(directP99));
        figures.put("bridge_message_p99_ms", round(bridgeP99));
        figures.put("added_message_p99_ms", round(bridgeP99 - directP99));
        figures.put("direct_message_p99_ms_by_pass", p.messagesDirect.stream().map(m -> m.latency().p99Ms()).toList());
        figures.put("bridge_message_p99_ms_by_pass", p.messagesBridged.stream().map(m -> m.latency().p99Ms()).toList());
        figures.put("direct_errors", p.messagesDirect.stream().mapToLong(StepResult::errors).sum());
        figures.put("bridge_errors", p.messagesBridged.stream().mapToLong(StepResult::errors).sum());
        figures.put("call_frames", Stream.concat(p.framesDirect.stream(), p.framesBridged.stream()).mapToLong(LatencySummary::count).sum());
        figures.put("direct_frame_p50_ms", round(median(p.framesDirect, LatencySummary::p50Ms)));
        figures.put("bridge_frame_p50_ms", round(median(p.framesBridged, LatencySummary::p50Ms)));
        figures.put("direct_frame_p99_ms", round(directFrameP99));
        figures.put("bridge_frame_p99_ms", round(bridgeFrameP99));
        figures.put("added_frame_p99_ms", round(bridgeFrameP99 - directFrameP99));
        figures.put("direct_frame_p99_ms_by_pass", p.framesDirect.stream().map(LatencySummary::p99Ms).toList());
        figures.put("bridge_frame_p99_ms_by_pass", p.framesBridged.stream().map(LatencySummary::p99Ms).toList());
        figures.put("bridge_rss_bytes_per_connection", perConnection.rssBytes());
        figures.put("bridge_heap_bytes_per_connection", perConnection.liveHeapBytes());
        figures.put("bridge_direct_bytes_per_connection", perConnection.directBytes());
        figures.put("bridge_total_bytes_per_connection", perConnection.liveHeapBytes() + perConnection.rssBytes());
        return figures;
    }

    static String summary(Map<String, Object> f) {
        return String.format(Locale.ROOT, """
                %n%s clients at %s msgs/s offered, medians of %s passes each way
                                                          direct           bridge     added
                messages delivered/s             %16.2f %16.2f
                message p50 / p99 ms             %7.2f / %-7.2f %7.2f / %-7.2f %+8.2f
                call frame p50 / p99 ms          %7.2f / %-7.2f %7.2f / %-7.2f %+8.2f
                bridge memory per relayed connection: RSS %s B (outside its fixed heap), live heap %s B, direct buffers %s B (within RSS)
                  in all %s B (live heap + RSS; kernel socket buffers not counted)
                """, f.get("clients"), f.get("offered_per_s"), f.get("passes"), f.get("direct_delivered_per_s"), f.get("bridge_delivered_per_s"),
                f.get("direct_message_p50_ms"), f.get("direct_message_p99_ms"), f.get("bridge_message_p50_ms"), f.get("bridge_message_p99_ms"),
                f.get("added_message_p99_ms"),
                f.get("direct_frame_p50_ms"), f.get("direct_frame_p99_ms"), f.get("bridge_frame_p50_ms"), f.get("bridge_frame_p99_ms"),
                f.get("added_frame_p99_ms"),
                f.get("bridge_rss_bytes_per_connection"), f.get("bridge_heap_bytes_per_connection"), f.get("bridge_direct_bytes_per_connection"),
                f.get("bridge_total_bytes_per_connection"));
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
