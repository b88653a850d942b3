package org.parley.bench.relay;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import org.parley.server.calls.CallTokens;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Call relay benchmark: N concurrent audio streams (50 frames/s of 100-byte payloads each),
 * every stream from its own sender socket to its own receiver socket through the relay under
 * test: Parley's UDP relay ({@link RelayProcess}, a JVM of its own) and coturn over TURN, with the
 * same generator in the same run, after a baseline without relay ("direct"). It reports the
 * frames forwarded per second and the one-way delay sender to receiver (p50, p99); a relay's
 * added delay is its delay minus the direct baseline's. Each relay's CPU time (user + system,
 * from the OS) per forwarded frame is measured too: unlike delay, it hardly depends on what
 * else the machine is running.
 *
 * <p>Run as {@code parley bench relay}. The coturn system needs a coturn running (its pid file in
 * {@code --turn-pid-file}); {@code --systems direct,parley} needs nothing but loopback.
 */
@Command(name = "relay",
        description = {"Call relay throughput, delay and CPU: Parley's UDP relay and coturn.",
                "N audio streams (50 frames/s of 100 B) through Parley's UDP relay (a JVM of its own)"
                + " and coturn over TURN, after a baseline without relay. Prints the frames forwarded per second, the"
                + " one-way delay p50/p99 and the relay's CPU time per frame for each window, then a Markdown table of medians.",
                "coturn must be running for --systems coturn (see --turn-pid-file); direct and parley need only loopback."})
public final class RelayBench implements Callable<Integer> {
    static final int FRAMES_PER_SECOND = 50;
    static final int PAYLOAD_BYTES = 100;
    private static final int SLOTS = 1000 / FRAMES_PER_SECOND;

    private static final ConcurrentLinkedQueue<DelayMeter> METERS = new ConcurrentLinkedQueue<>();
    private static final FastThreadLocal<DelayMeter> METER = new FastThreadLocal<>() {
        @Override
        protected DelayMeter initialValue() {
            DelayMeter meter = new DelayMeter();
            METERS.add(meter);
            return meter;
        }
    };

    static DelayMeter meter() {
        return METER.get();
    }

    /** One measured window. */
    record Sample(String system, int streams, int repeat, double forwardedPerSecond, double lossPercent,
                  long p50Micros, long p99Micros, long p999Micros, long lateSends, long sent, long overrun,
                  double relayCpuPercent, double relayCpuMicrosPerFrame) {
    }

    private static final Set<String> SYSTEMS = Set.of("direct", "parley", "coturn");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--streams", defaultValue = "100,1000,5000", split = ",", paramLabel = "N",
            description = "Concurrent streams, one load after the other (default ${DEFAULT-VALUE}).")
    int[] streams;

    @Option(names = "--warmup", defaultValue = "3", paramLabel = "S", description = "Unmeasured seconds per load and system (default ${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--window", defaultValue = "5", paramLabel = "S", description = "Seconds per measured window (default ${DEFAULT-VALUE}).")
    int windowSeconds;

    @Option(names = "--repeats", defaultValue = "3", paramLabel = "N", description = "Measured windows per load and system (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--relay-threads", defaultValue = "2", paramLabel = "N", description = "Event-loop threads of Parley's relay (default ${DEFAULT-VALUE}).")
    int relayThreads;

    @Option(names = "--generator-threads", defaultValue = "2", paramLabel = "N", description = "Event-loop threads of the generator (default ${DEFAULT-VALUE}).")
    int generatorThreads;

    @Option(names = "--turn", defaultValue = "127.0.0.1:3478", paramLabel = "HOST:PORT", converter = HostPort.class,
            description = "coturn's TURN address (default ${DEFAULT-VALUE}).")
    InetSocketAddress turn;

    @Option(names = "--turn-user", defaultValue = "peer", description = "TURN user name (default ${DEFAULT-VALUE}).")
    String turnUser;

    @Option(names = "--turn-password", defaultValue = "pw", description = "TURN password (default ${DEFAULT-VALUE}).")
    String turnPassword;

    @Option(names = "--turn-pid-file", defaultValue = "/tmp/coturn-peer/turnserver.pid", paramLabel = "FILE",
            description = "coturn's pid file, to measure its CPU time (default ${DEFAULT-VALUE}).")
    Path turnPidFile;

    @Option(names = "--systems", defaultValue = "direct,parley,coturn", split = ",", paramLabel = "SYSTEM",
            description = "What to measure, in order: direct (no relay), parley, coturn (default ${DEFAULT-VALUE}).")
    List<String> systems;

    /** {@code --turn HOST:PORT}. */
    static final class HostPort implements CommandLine.ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            int colon = value.lastIndexOf(':');
            try {
                return new InetSocketAddress(value.substring(0, colon), Integer.parseInt(value.substring(colon + 1)));
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not HOST:PORT, as in 127.0.0.1:3478");
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        CommandLine command = spec.commandLine();
        if (Arrays.stream(streams).anyMatch(n -> n < 1) || warmupSeconds < 0 || windowSeconds < 1 || repeats < 1
                || relayThreads < 1 || generatorThreads < 1) {
            throw new CommandLine.ParameterException(command, "--streams, --window, --repeats and the thread counts must be"
                    + " at least 1, --warmup not negative");
        }
        if (!SYSTEMS.containsAll(systems)) {
            throw new CommandLine.ParameterException(command, "--systems takes direct, parley and coturn, not " + systems);
        }
        PrintWriter out = command.getOut();
        out.printf("relay bench: streams %s, %d frames/s of %d B each, warm-up %d s, %d x %d s windows, "
                        + "relay threads %d, generator threads %d, epoll %s%n", Arrays.toString(streams),
                FRAMES_PER_SECOND, PAYLOAD_BYTES, warmupSeconds, repeats, windowSeconds,
                relayThreads, generatorThreads, Epoll.isAvailable());
        List<Sample> samples = new ArrayList<>();
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup generator = new MultiThreadIoEventLoopGroup(generatorThreads,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            for (int streamCount : streams) {
                for (String system : systems) {
                    samples.addAll(run(system, streamCount, generator, epoll, out));
                }
            }
        } finally {
            generator.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        printTable(samples, out);
        return 0;
    }

    private List<Sample> run(String system, int streamCount, EventLoopGroup generator, boolean epoll, PrintWriter out)
            throws Exception {
        Process relay = null;
        ProcessHandle relayProcess = null;
        RelayPath path;
        if (system.equals("parley")) {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            CallTokens tokens = new CallTokens(secret, Clock.systemUTC(), Duration.ofHours(1));
            relay = startRelayProcess(relayThreads, streamCount, secret);
            relayProcess = relay.toHandle();
            String ready = relay.inputReader().readLine();
            if (ready == null || !ready.startsWith("port ")) {
                throw new IllegalStateException("the relay process did not start (said " + ready
                        + "); run RelayProcess by hand to see why");
            }
            int port = Integer.parseInt(ready.substring("port ".length()).trim());
            path = new ParleyRelayPath(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), tokens);
        } else if (system.equals("coturn")) {
            path = new TurnRelayPath(turn, turnUser, turnPassword);
            long pid = Long.parseLong(Files.readString(turnPidFile).trim());
            relayProcess = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException(
                    "coturn (pid file " + turnPidFile + ") is not running; start it with coturn.sh start"));
        } else if (system.equals("direct")) {
            path = new DirectPath();
        } else {
            throw new IllegalArgumentException("unknown system " + system + "; use direct, parley or coturn");
        }
        List<BenchStream> streams = new ArrayList<>();
        List<ScheduledFuture<?>> tickers = new ArrayList<>();
        try {
            Bootstrap bootstrap = new Bootstrap().group(generator)
                    .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                    .option(ChannelOption.SO_RCVBUF, 256 << 10).option(ChannelOption.SO_SNDBUF, 256 << 10);
            // A fresh 127.x.y.z source address per run: a TURN server keeps allocations for 10
            // minutes, and a new socket on a recycled port of the same address would hit one (437).
            java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
            InetSocketAddress loopback = new InetSocketAddress(InetAddress.getByAddress(new byte[]{127,
                    (byte) random.nextInt(1, 255), (byte) random.nextInt(0, 256), (byte) random.nextInt(1, 255)}), 0);
            for (int i = 0; i < streamCount; i++) {
                BenchStream stream = new BenchStream(i);
                stream.sender = bootstrap.clone().handler(stream.senderEndpoint).bind(loopback).sync().channel();
                stream.receiver = bootstrap.clone().handler(stream.receiverEndpoint).bind(loopback).sync().channel();
                streams.add(stream);
            }
            long setupStart = System.nanoTime();
            Semaphore inFlight = new Semaphore(128);
            List<CompletableFuture<Void>> setups = new ArrayList<>();
            for (BenchStream stream : streams) {
                inFlight.acquire();
                setups.add(path.setUp(stream).whenComplete((ok, error) -> inFlight.release()));
            }
            CompletableFuture.allOf(setups.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
            out.printf("%s: %d streams set up in %d ms%n", path.name(), streamCount,
                    (System.nanoTime() - setupStart) / 1_000_000);

            for (EventLoop loop : loopsOf(generator)) {
                List<BenchStream> mine = streams.stream().filter(s -> s.sender.eventLoop() == loop).toList();
                Ticker ticker = new Ticker(path, mine);
                tickers.add(loop.scheduleAtFixedRate(ticker, 1, 1, TimeUnit.MILLISECONDS));
            }
            resetMeters(generator, false);
            Thread.sleep(warmupSeconds * 1000L);
            List<Sample> samples = new ArrayList<>();
            for (int repeat = 1; repeat <= repeats; repeat++) {
                resetMeters(generator, true);
                long start = System.nanoTime();
                Duration cpuBefore = cpuTime(relayProcess);
                Thread.sleep(windowSeconds * 1000L);
                Duration cpu = cpuTime(relayProcess).minus(cpuBefore);
                DelayMeter total = collectMeters(generator);
                double seconds = (System.nanoTime() - start) / 1e9;
                Sample sample = new Sample(path.name(), streamCount, repeat, total.received / seconds,
                        total.sent == 0 ? 0 : 100.0 * Math.max(0, total.sent - total.received) / total.sent,
                        total.percentileMicros(0.50), total.percentileMicros(0.99), total.percentileMicros(0.999),
                        total.lateSends, total.sent, total.overrun,
                        relayProcess == null ? -1 : 100.0 * cpu.toNanos() / 1e9 / seconds,
                        relayProcess == null || total.received == 0 ? -1 : cpu.toNanos() / 1e3 / total.received);
                out.println(format(sample));
                samples.add(sample);
            }
            if (relay != null) {
                relay.outputWriter().write("stats\n");
                relay.outputWriter().flush();
                out.println("relay counters: " + relay.inputReader().readLine());
            }
            return samples;
        } finally {
            tickers.forEach(t -> t.cancel(false));
            streams.forEach(s -> {
                if (s.sender != null && s.receiver != null) {
                    path.tearDown(s);
                }
            });
            Thread.sleep(500);
            for (BenchStream stream : streams) {
                if (stream.sender != null) {
                    stream.sender.close();
                }
                if (stream.receiver != null) {
                    stream.receiver.close();
                }
            }
            if (relay != null) {
                relay.getOutputStream().close();
                if (!relay.waitFor(10, TimeUnit.SECONDS)) {
                    relay.destroy();
                }
            }
        }
    }

    /** Parley's relay in a JVM of its own, so its CPU time is measured per process, as coturn's is. */
    private static Process startRelayProcess(int threads, int calls, byte[] secret) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener",
                RelayProcess.class.getName(), Integer.toString(threads), Integer.toString(calls))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        process.outputWriter().write(HexFormat.of().formatHex(secret) + "\n");
        process.outputWriter().flush();
        return process;
    }

    /** User plus system CPU time of a process so far (zero when there is none to measure). */
    private static Duration cpuTime(ProcessHandle process) {
        return process == null ? Duration.ZERO : process.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /**
     * Sends each stream's frames on its 20 ms schedule: streams are spread over 20 one-millisecond
     * slots, and a tick that runs late catches up the slots that came due, at most one full round
     * (20 ms); beyond that the generator has fallen behind, and the frames it skips are counted as
     * overrun rather than sent in a burst that would hold up its event loop. A send more than 1 ms
     * behind its slot is counted as late. Every 5 s each stream's relay state is kept alive.
     */
    private static final class Ticker implements Runnable {
        private final RelayPath path;
        private final List<List<BenchStream>> slots = new ArrayList<>();
        private long nextSlotNanos = System.nanoTime();
        private long nextKeepAliveNanos = nextSlotNanos + 5_000_000_000L;
        private int slot;
        private final int streamCount;

        Ticker(RelayPath path, List<BenchStream> streams) {
            this.path = path;
            this.streamCount = streams.size();
            for (int i = 0; i < SLOTS; i++) {
                slots.add(new ArrayList<>());
            }
            for (BenchStream stream : streams) {
                slots.get(stream.id % SLOTS).add(stream);
            }
        }

        @Override
        public void run() {
            long now = System.nanoTime();
            DelayMeter meter = meter();
            if (now - nextSlotNanos > SLOTS * 1_000_000L) {
                long behind = (now - nextSlotNanos) / 1_000_000 - SLOTS;
                if (meter.measuring) {
                    meter.overrun += behind * streamCount / SLOTS;
                }
                nextSlotNanos += behind * 1_000_000;
                slot = (int) ((slot + behind) % SLOTS);
            }
            if (now >= nextKeepAliveNanos) {
                slots.forEach(streams -> streams.forEach(path::keepAlive));
                nextKeepAliveNanos = now + 5_000_000_000L;
            }
            while (nextSlotNanos <= now) {
                boolean late = now - nextSlotNanos > 1_000_000;
                for (BenchStream stream : slots.get(slot)) {
                    send(stream);
                    if (meter.measuring) {
                        meter.sent++;
                        if (late) {
                            meter.lateSends++;
                        }
                    }
                }
                slot = (slot + 1) % SLOTS;
                nextSlotNanos += 1_000_000;
            }
        }

        private void send(BenchStream stream) {
            Channel channel = stream.sender;
            ByteBuf frame = channel.alloc().directBuffer(PAYLOAD_BYTES + 4);
            path.writePrefix(frame, stream, PAYLOAD_BYTES);
            frame.writeInt(BenchStream.MAGIC).writeInt(stream.id).writeInt(stream.sequence++)
                    .writeLong(System.nanoTime()).writeZero(PAYLOAD_BYTES - 20);
            channel.writeAndFlush(new DatagramPacket(frame, path.destination(stream)), channel.voidPromise());
        }
    }

    private static List<EventLoop> loopsOf(EventLoopGroup group) {
        List<EventLoop> loops = new ArrayList<>();
        group.forEach(executor -> loops.add((EventLoop) executor));
        return loops;
    }

    private static void resetMeters(EventLoopGroup group, boolean measure) throws Exception {
        for (EventLoop loop : loopsOf(group)) {
            loop.submit(() -> meter().reset(measure)).get();
        }
    }

    private static DelayMeter collectMeters(EventLoopGroup group) throws Exception {
        DelayMeter total = new DelayMeter();
        for (EventLoop loop : loopsOf(group)) {
            DelayMeter copy = loop.submit(() -> {
                DelayMeter m = meter();
                m.measuring = false;
                return m.copy();
            }).get();
            total.add(copy);
        }
        return total;
    }

    private static String format(Sample s) {
        return String.format(Locale.ROOT, "%-7s streams %5d  repeat %d  forwarded %9.0f frames/s  loss %5.2f %%  "
                        + "delay p50 %5d us  p99 %6d us  p99.9 %6d us  late sends %d of %d  overrun %d  relay CPU %.0f %% "
                        + "(%.1f us/frame)", s.system(), s.streams(), s.repeat(), s.forwardedPerSecond(), s.lossPercent(),
                s.p50Micros(), s.p99Micros(), s.p999Micros(), s.lateSends(), s.sent(), s.overrun(), s.relayCpuPercent(),
                s.relayCpuMicrosPerFrame());
    }

    /** Median over repeats per system and load, as a markdown table, and Parley/coturn ratios. */
    private static void printTable(List<Sample> samples, PrintWriter out) {
        out.println();
        out.println("| streams | system | offered frames/s | forwarded frames/s | loss % | delay p50 (us) | delay p99 (us) | late sends % | not sent (generator behind) % | relay CPU % | relay CPU us/frame |");
        out.println("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        List<String> ratios = new ArrayList<>();
        for (int streams : samples.stream().mapToInt(Sample::streams).distinct().toArray()) {
            Sample parley = null;
            Sample coturn = null;
            Sample direct = null;
            for (String system : samples.stream().map(Sample::system).distinct().toList()) {
                List<Sample> runs = samples.stream().filter(s -> s.streams() == streams && s.system().equals(system))
                        .toList();
                if (runs.isEmpty()) {
                    continue;
                }
                Sample median = median(runs);
                out.printf(Locale.ROOT, "| %d | %s | %d | %.0f | %.2f | %s | %s | %.2f | %.2f | %s | %s |%n",
                        streams, system, streams * FRAMES_PER_SECOND, median.forwardedPerSecond(), median.lossPercent(),
                        micros(median.p50Micros()), micros(median.p99Micros()),
                        100.0 * median.lateSends() / Math.max(1, median.sent()),
                        100.0 * median.overrun() / Math.max(1, median.sent() + median.overrun()),
                        median.relayCpuPercent() < 0 ? "-" : String.format(Locale.ROOT, "%.0f", median.relayCpuPercent()),
                        median.relayCpuMicrosPerFrame() < 0 ? "-"
                                : String.format(Locale.ROOT, "%.1f", median.relayCpuMicrosPerFrame()));
                if (system.equals("parley")) {
                    parley = median;
                } else if (system.equals("coturn")) {
                    coturn = median;
                } else if (system.equals("direct")) {
                    direct = median;
                }
            }
            if (parley != null && coturn != null) {
                ratios.add(String.format(Locale.ROOT, "%d streams: forwarded parley/coturn %.2f, p99 delay parley/coturn %.2f,"
                                + " CPU per frame parley/coturn %.2f", streams,
                        parley.forwardedPerSecond() / coturn.forwardedPerSecond(),
                        (double) parley.p99Micros() / Math.max(1, coturn.p99Micros()),
                        parley.relayCpuMicrosPerFrame() / coturn.relayCpuMicrosPerFrame()));
            }
            if (direct != null) {
                for (Sample relayed : new Sample[]{parley, coturn}) {
                    if (relayed != null) {
                        ratios.add(String.format(Locale.ROOT, "%d streams: %s added delay over direct p50 %d us, p99 %d us",
                                streams, relayed.system(), relayed.p50Micros() - direct.p50Micros(),
                                relayed.p99Micros() - direct.p99Micros()));
                    }
                }
            }
        }
        out.println();
        ratios.forEach(out::println);
    }

    /** A delay percentile; the histogram ends at 100 ms, so its last bucket means "at least". */
    private static String micros(long value) {
        return value >= DelayMeter.MAX_MICROS ? ">=" + DelayMeter.MAX_MICROS : Long.toString(value);
    }

    /** The repeat with the median p99 delay. */
    private static Sample median(List<Sample> runs) {
        List<Sample> sorted = new ArrayList<>(runs);
        sorted.sort((a, b) -> Long.compare(a.p99Micros(), b.p99Micros()));
        return sorted.get(sorted.size() / 2);
    }
}
