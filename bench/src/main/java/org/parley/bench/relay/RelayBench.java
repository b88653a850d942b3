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
 * <pre>
 * java -cp ... org.parley.bench.relay.RelayBench [--streams 100,1000,5000] [--warmup 3] [--window 5]
 *      [--repeats 3] [--relay-threads 2] [--generator-threads 2] [--turn 127.0.0.1:3478]
 *      [--turn-user peer] [--turn-password pw] [--turn-pid-file /tmp/coturn-peer/turnserver.pid]
 *      [--systems direct,parley,coturn]
 * </pre>
 */
public final class RelayBench {
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

    private record Options(int[] streams, int warmupSeconds, int windowSeconds, int repeats, int relayThreads,
                           int generatorThreads, InetSocketAddress turn, String turnUser, String turnPassword,
                           Path turnPidFile, List<String> systems) {
        static Options parse(String[] args) {
            int[] streams = {100, 1000, 5000};
            int warmup = 3;
            int window = 5;
            int repeats = 3;
            int relayThreads = 2;
            int generatorThreads = 2;
            InetSocketAddress turn = new InetSocketAddress("127.0.0.1", 3478);
            String user = "peer";
            String password = "pw";
            Path turnPidFile = Path.of("/tmp/coturn-peer/turnserver.pid");
            List<String> systems = List.of("direct", "parley", "coturn");
            for (int i = 0; i + 1 < args.length; i += 2) {
                String value = args[i + 1];
                switch (args[i]) {
                    case "--streams" -> streams = Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
                    case "--warmup" -> warmup = Integer.parseInt(value);
                    case "--window" -> window = Integer.parseInt(value);
                    case "--repeats" -> repeats = Integer.parseInt(value);
                    case "--relay-threads" -> relayThreads = Integer.parseInt(value);
                    case "--generator-threads" -> generatorThreads = Integer.parseInt(value);
                    case "--turn" -> turn = new InetSocketAddress(value.substring(0, value.lastIndexOf(':')),
                            Integer.parseInt(value.substring(value.lastIndexOf(':') + 1)));
                    case "--turn-user" -> user = value;
                    case "--turn-password" -> password = value;
                    case "--turn-pid-file" -> turnPidFile = Path.of(value);
                    case "--systems" -> systems = List.of(value.split(","));
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + "; see the RelayBench javadoc for the options");
                }
            }
            if (args.length % 2 != 0) {
                throw new IllegalArgumentException("option " + args[args.length - 1] + " needs a value");
            }
            return new Options(streams, warmup, window, repeats, relayThreads, generatorThreads, turn, user, password,
                    turnPidFile, systems);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        System.out.printf("relay bench: streams %s, %d frames/s of %d B each, warm-up %d s, %d x %d s windows, "
                        + "relay threads %d, generator threads %d, epoll %s%n", Arrays.toString(options.streams()),
                FRAMES_PER_SECOND, PAYLOAD_BYTES, options.warmupSeconds(), options.repeats(), options.windowSeconds(),
                options.relayThreads(), options.generatorThreads(), Epoll.isAvailable());
        List<Sample> samples = new ArrayList<>();
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup generator = new MultiThreadIoEventLoopGroup(options.generatorThreads(),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            for (int streams : options.streams()) {
                for (String system : options.systems()) {
                    samples.addAll(run(system, streams, options, generator, epoll));
                }
            }
        } finally {
            generator.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        printTable(samples);
    }

    private static List<Sample> run(String system, int streamCount, Options options, EventLoopGroup generator,
                                    boolean epoll) throws Exception {
        Process relay = null;
        ProcessHandle relayProcess = null;
        RelayPath path;
        if (system.equals("parley")) {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            CallTokens tokens = new CallTokens(secret, Clock.systemUTC(), Duration.ofHours(1));
            relay = startRelayProcess(options.relayThreads(), streamCount, secret);
            relayProcess = relay.toHandle();
            String ready = relay.inputReader().readLine();
            if (ready == null || !ready.startsWith("port ")) {
                throw new IllegalStateException("the relay process did not start (said " + ready
                        + "); run RelayProcess by hand to see why");
            }
            int port = Integer.parseInt(ready.substring("port ".length()).trim());
            path = new ParleyRelayPath(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), tokens);
        } else if (system.equals("coturn")) {
            path = new TurnRelayPath(options.turn(), options.turnUser(), options.turnPassword());
            long pid = Long.parseLong(Files.readString(options.turnPidFile()).trim());
            relayProcess = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException(
                    "coturn (pid file " + options.turnPidFile() + ") is not running; start it with coturn.sh start"));
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
            System.out.printf("%s: %d streams set up in %d ms%n", path.name(), streamCount,
                    (System.nanoTime() - setupStart) / 1_000_000);

            for (EventLoop loop : loopsOf(generator)) {
                List<BenchStream> mine = streams.stream().filter(s -> s.sender.eventLoop() == loop).toList();
                Ticker ticker = new Ticker(path, mine);
                tickers.add(loop.scheduleAtFixedRate(ticker, 1, 1, TimeUnit.MILLISECONDS));
            }
            resetMeters(generator, false);
            Thread.sleep(options.warmupSeconds() * 1000L);
            List<Sample> samples = new ArrayList<>();
            for (int repeat = 1; repeat <= options.repeats(); repeat++) {
                resetMeters(generator, true);
                long start = System.nanoTime();
                Duration cpuBefore = cpuTime(relayProcess);
                Thread.sleep(options.windowSeconds() * 1000L);
                Duration cpu = cpuTime(relayProcess).minus(cpuBefore);
                DelayMeter total = collectMeters(generator);
                double seconds = (System.nanoTime() - start) / 1e9;
                Sample sample = new Sample(path.name(), streamCount, repeat, total.received / seconds,
                        total.sent == 0 ? 0 : 100.0 * Math.max(0, total.sent - total.received) / total.sent,
                        total.percentileMicros(0.50), total.percentileMicros(0.99), total.percentileMicros(0.999),
                        total.lateSends, total.sent, total.overrun,
                        relayProcess == null ? -1 : 100.0 * cpu.toNanos() / 1e9 / seconds,
                        relayProcess == null || total.received == 0 ? -1 : cpu.toNanos() / 1e3 / total.received);
                System.out.println(format(sample));
                samples.add(sample);
            }
            if (relay != null) {
                relay.outputWriter().write("stats\n");
                relay.outputWriter().flush();
                System.out.println("relay counters: " + relay.inputReader().readLine());
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
    private static void printTable(List<Sample> samples) {
        System.out.println();
        System.out.println("| streams | system | offered frames/s | forwarded frames/s | loss % | delay p50 (us) | delay p99 (us) | late sends % | not sent (generator behind) % | relay CPU % | relay CPU us/frame |");
        System.out.println("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
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
                System.out.printf(Locale.ROOT, "| %d | %s | %d | %.0f | %.2f | %s | %s | %.2f | %.2f | %s | %s |%n",
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
        System.out.println();
        ratios.forEach(System.out::println);
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
