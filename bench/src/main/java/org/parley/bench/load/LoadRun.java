package org.parley.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the load: connects and logs in every client, then for each rate step sends on an open-loop
 * schedule from every event loop for the step's duration, waits for stragglers, and measures. Or,
 * with {@code idle}, only connects and measures the server's memory per connection.
 */
public final class LoadRun {

    private static final long SECOND = 1_000_000_000L;
    /** How often each event loop sends what its schedule says is due. */
    private static final long TICK_MICROS = 1_000;
    /** Step number of the unmeasured warm-up (JIT, connection buffers, server caches). */
    private static final int WARMUP_STEP = -1;

    private final LoadConfig config;
    private final LoadDriver driver;
    private final PrintStream progress;
    private final LoadMetrics metrics = new LoadMetrics(ThreadLocalRandom.current().nextLong());
    private final ServerProcess self = new ServerProcess(ProcessHandle.current().pid());
    private ServerProcess server;

    public LoadRun(LoadConfig config, LoadDriver driver, PrintStream progress) {
        this.config = config;
        this.driver = driver;
        this.progress = progress;
    }

    /** Runs every step; each finished step is handed to {@code onStep} as soon as it ends. */
    public List<StepResult> run(Consumer<StepResult> onStep) throws Exception {
        server = findServer();
        driver.prepare(config.clients());
        long rssBefore = rss();
        EventLoopGroup group = Transport.newGroup(config.threads());
        List<ClientSession> ready = List.of();
        try {
            progress.printf("[%s] connecting %d clients from %d source addresses from %s (%s)%n", driver.name(), config.clients(),
                    config.sourceAddresses(), sourceAddresses(config.firstSourceAddress(), 1)[0].getHostAddress(),
                    Transport.nativeEpoll() ? "native epoll" : "NIO");
            ready = connectAll(group);
            List<StepResult> results = new ArrayList<>();
            if (config.idle()) {
                results.add(holdIdle(ready, rssBefore));
                onStep.accept(results.get(0));
                return results;
            }
            if (config.warmupSeconds() > 0) {
                progress.printf("[%s] warming up for %d s (not measured)%n", driver.name(), config.warmupSeconds());
                runStep(WARMUP_STEP, config.rates().get(0), config.warmupSeconds(), ready);
            }
            int stepsOverLimit = 0;
            for (int step = 0; step < config.rates().size(); step++) {
                StepResult result = runStep(step, config.rates().get(step), config.durationSeconds(), ready);
                results.add(result);
                onStep.accept(result);
                // Two steps in a row over the limit: one alone can be a hiccup of a shared machine.
                boolean over = config.stopAboveP99Ms() > 0 && result.latency().p99Ms() > config.stopAboveP99Ms();
                stepsOverLimit = over ? stepsOverLimit + 1 : 0;
                if (stepsOverLimit == 2) {
                    progress.printf("[%s] p99 %.1f ms passed %.0f ms twice in a row: stopping here%n", driver.name(),
                            result.latency().p99Ms(), config.stopAboveP99Ms());
                    break;
                }
            }
            return results;
        } finally {
            ready.forEach(ClientSession::close);
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            driver.close();
        }
    }

    private ServerProcess findServer() throws IOException {
        if (config.serverPid() > 0) {
            return new ServerProcess(config.serverPid());
        }
        Optional<ServerProcess> found = ServerProcess.listeningOn(driver.server().getPort());
        if (found.isEmpty()) {
            progress.printf("[%s] no process found listening on port %d: server CPU and memory are not measured"
                    + " (give --server-pid)%n", driver.name(), driver.server().getPort());
        }
        return found.orElse(null);
    }

    private List<ClientSession> connectAll(EventLoopGroup group) throws Exception {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(Transport.channelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000);
        InetAddress[] sources = sourceAddresses(config.firstSourceAddress(), config.sourceAddresses());
        ClientSession[] sessions = new ClientSession[config.clients()];
        Semaphore inFlight = new Semaphore(config.connectConcurrency());
        // A login may wait behind many others on a busy server (ejabberd derives a SCRAM key for each
        // PLAIN login); allow what the driver says each takes (20 ms for a login), at least a minute.
        long deadline = System.nanoTime() + (long) (Math.max(60, config.clients() * driver.loginSecondsPerClient()) * SECOND);
        long nextReport = System.nanoTime() + SECOND;
        for (int i = 0; i < sessions.length; i++) {
            while (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() > deadline) {
                    break;
                }
                nextReport = reportConnecting(sessions, nextReport);
            }
            if (System.nanoTime() > deadline) {
                break;
            }
            ClientSession session = driver.newSession(i, metrics);
            sessions[i] = session;
            session.ready().whenComplete((s, e) -> inFlight.release());
            ChannelFuture connect = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel channel) {
                    driver.addCodecs(channel.pipeline());
                    channel.pipeline().addLast(session);
                }
            }).connect(driver.server(), new InetSocketAddress(sources[i % sources.length], 0));
            connect.addListener(f -> {
                if (!f.isSuccess()) {
                    session.connectFailed(f.cause());
                }
            });
            nextReport = reportConnecting(sessions, nextReport);
        }
        while (System.nanoTime() < deadline && countDone(sessions) < sessions.length) {
            Thread.sleep(50);
            nextReport = reportConnecting(sessions, nextReport);
        }
        List<ClientSession> ready = new ArrayList<>();
        for (int i = 0; i < sessions.length; i++) {
            if (sessions[i] == null) {
                metrics.error("login timed out");
            } else if (!sessions[i].ready().isDone()) {
                sessions[i].loginTimedOut();
            } else if (!sessions[i].ready().isCompletedExceptionally()) {
                ready.add(sessions[i]);
            }
        }
        progress.printf("[%s] %d of %d clients logged in, %d errors %s%n", driver.name(), ready.size(),
                sessions.length, metrics.errorCount(), metrics.errorsByKind());
        if (ready.size() < 2) {
            throw new IllegalStateException("fewer than 2 clients could log in to " + driver.name() + " at "
                    + driver.server() + " (" + metrics.errorsByKind() + "); is the server running and are the accounts there?");
        }
        return ready;
    }

    private long reportConnecting(ClientSession[] sessions, long nextReport) {
        long now = System.nanoTime();
        if (now < nextReport) {
            return nextReport;
        }
        long ok = 0;
        for (ClientSession s : sessions) {
            if (s != null && s.ready().isDone() && !s.ready().isCompletedExceptionally()) {
                ok++;
            }
        }
        progress.printf("[%s] logged in %d/%d, errors %d%n", driver.name(), ok, sessions.length, metrics.errorCount());
        return now + SECOND;
    }

    private static int countDone(ClientSession[] sessions) {
        int done = 0;
        for (ClientSession s : sessions) {
            if (s != null && s.ready().isDone()) {
                done++;
            }
        }
        return done;
    }

    /**
     * {@code count} consecutive loopback addresses from {@code first} on, skipping host numbers 0
     * and 255 in the last octet: 127.a.b.1 .. 127.a.b.254, then 127.a.(b+1).1 …
     */
    public static InetAddress[] sourceAddresses(int first, int count) throws UnknownHostException {
        InetAddress[] addresses = new InetAddress[count];
        for (int i = 0; i < count; i++) {
            int k = first + i;
            int block = k / 254;
            addresses[i] = InetAddress.getByAddress(new byte[] {127, (byte) (block >> 8), (byte) block, (byte) (1 + k % 254)});
        }
        return addresses;
    }

    private StepResult holdIdle(List<ClientSession> ready, long rssBefore) throws Exception {
        double cpuBefore = cpu(server);
        double compilerBefore = compilerCpu(server);
        double selfBefore = self.cpuSeconds();
        long rssAfter = rssBefore;
        for (int second = 1; second <= config.durationSeconds(); second++) {
            Thread.sleep(1000);
            rssAfter = rss();
            long open = ready.stream().filter(s -> s.channel().isActive()).count();
            progress.printf("[%s] idle t=%ds open %d, server rss %.1f MiB (%+.0f bytes per connection)%n", driver.name(), second,
                    open, rssAfter / 1048576.0, (rssAfter - rssBefore) / (double) ready.size());
        }
        double perConnection = server == null ? Double.NaN : (rssAfter - rssBefore) / (double) ready.size();
        return new StepResult(driver.name(), config.clients(), ready.size(), 0, config.size(), config.groupSize(),
                config.durationSeconds(), 0, 0, 0, 0, LatencySummary.of(LatencySummary.newHistogram()),
                metrics.errorCount(), metrics.errorsByKind(), cpu(server) - cpuBefore, compilerCpu(server) - compilerBefore,
                server == null ? -1 : rssAfter,
                self.cpuSeconds() - selfBefore, server == null ? Double.NaN : perConnection);
    }

    private StepResult runStep(int step, double rate, int durationSeconds, List<ClientSession> ready) throws Exception {
        metrics.beginStep(step);
        Map<String, Long> errorsBefore = metrics.errorsByKind();
        double cpuBefore = cpu(server);
        double compilerBefore = compilerCpu(server);
        double selfBefore = self.cpuSeconds();
        Recipients recipients = new Recipients(ready, config.groupSize());
        Map<EventLoop, List<ClientSession>> byLoop = new IdentityHashMap<>();
        for (ClientSession s : ready) {
            byLoop.computeIfAbsent(s.channel().eventLoop(), l -> new ArrayList<>()).add(s);
        }
        long start = System.nanoTime() + 10_000_000L; // every loop begins at the same instant
        List<ScheduledFuture<?>> senders = new ArrayList<>();
        for (Map.Entry<EventLoop, List<ClientSession>> e : byLoop.entrySet()) {
            double share = rate * e.getValue().size() / ready.size();
            Sender sender = new Sender(e.getValue(), new OpenLoopSchedule(start, share), recipients, step);
            senders.add(e.getKey().scheduleAtFixedRate(sender, 0, TICK_MICROS, TimeUnit.MICROSECONDS));
        }
        if (step != WARMUP_STEP) {
            progress.printf("[%s] step %d: %.0f msgs/s for %d s%n", driver.name(), step + 1, rate, durationSeconds);
        }
        Histogram total = LatencySummary.newHistogram();
        Histogram interval = null;
        long lastDelivered = 0;
        long end = start + durationSeconds * SECOND;
        for (int second = 1; second <= durationSeconds; second++) {
            sleepUntil(start + second * SECOND);
            interval = metrics.takeLatencies(interval);
            total.add(interval);
            long delivered = metrics.delivered();
            progress.printf("[%s] t=%2ds sent %d, delivered %d/s, p50 %.1f ms, p99 %.1f ms, errors %d%s%n", driver.name(), second,
                    metrics.sent(), delivered - lastDelivered, interval.getValueAtPercentile(50) / 1e6,
                    interval.getValueAtPercentile(99) / 1e6, stepErrors(errorsBefore).values().stream().mapToLong(Long::longValue).sum(), serverLine());
            lastDelivered = delivered;
        }
        senders.forEach(f -> f.cancel(false));
        long deliveredInWindow = metrics.delivered();
        long drainDeadline = Math.max(System.nanoTime(), end) + config.drainSeconds() * SECOND;
        while (metrics.delivered() < metrics.expected() && System.nanoTime() < drainDeadline) {
            Thread.sleep(20);
        }
        total.add(metrics.takeLatencies(interval));
        Map<String, Long> stepErrors = stepErrors(errorsBefore);
        StepResult result = new StepResult(driver.name(), config.clients(), ready.size(), rate, config.size(),
                config.groupSize(), durationSeconds, metrics.sent(), metrics.expected(), deliveredInWindow,
                metrics.delivered(), LatencySummary.of(total), stepErrors.values().stream().mapToLong(Long::longValue).sum(), stepErrors,
                cpu(server) - cpuBefore, compilerCpu(server) - compilerBefore, rss(), self.cpuSeconds() - selfBefore, Double.NaN);
        progress.printf("[%s] %s done: delivered %.0f msgs/s, p99 %.2f ms, %d undelivered, %d errors%n", driver.name(),
                step == WARMUP_STEP ? "warm-up" : "step " + (step + 1), result.deliveredPerSecond(), result.latency().p99Ms(), result.undelivered(), result.errors());
        return result;
    }

    /** Errors by kind counted since {@code before} was taken. */
    private Map<String, Long> stepErrors(Map<String, Long> before) {
        Map<String, Long> delta = new TreeMap<>();
        metrics.errorsByKind().forEach((kind, count) -> {
            long added = count - before.getOrDefault(kind, 0L);
            if (added > 0) {
                delta.put(kind, added);
            }
        });
        return delta;
    }

    private String serverLine() {
        if (server == null) {
            return "";
        }
        try {
            return String.format(", server rss %.0f MiB", server.rssBytes() / 1048576.0);
        } catch (IOException e) {
            return ", server gone";
        }
    }

    private long rss() {
        try {
            return server == null ? -1 : server.rssBytes();
        } catch (IOException e) {
            return -1;
        }
    }

    private static double compilerCpu(ServerProcess process) {
        try {
            return process == null ? Double.NaN : process.compilerCpuSeconds();
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    private static double cpu(ServerProcess process) {
        try {
            return process == null ? Double.NaN : process.cpuSeconds();
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /** Sends what one event loop's schedule says is due; runs on that loop every tick. */
    private final class Sender implements Runnable {
        private final List<ClientSession> local;
        private final OpenLoopSchedule schedule;
        private final Recipients recipients;
        private final int step;
        private final Set<ClientSession> touched = new HashSet<>();

        Sender(List<ClientSession> local, OpenLoopSchedule schedule, Recipients recipients, int step) {
            this.local = local;
            this.schedule = schedule;
            this.recipients = recipients;
            this.step = step;
        }

        @Override
        public void run() {
            OpenLoopSchedule.Batch due = schedule.claimDue(System.nanoTime());
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (long k = 0; k < due.count(); k++) {
                ClientSession sender = local.get(random.nextInt(local.size()));
                Channel channel = sender.channel();
                if (!channel.isActive()) {
                    metrics.error("send on a closed connection");
                    continue;
                }
                int[] to = recipients.of(sender.index(), random);
                if (to.length == 0) {
                    continue;
                }
                Payload payload = new Payload(metrics.runId(), step, schedule.intendedNanos(due.first() + k));
                metrics.sent(sender.send(to, payload, config.size()));
                touched.add(sender);
            }
            touched.forEach(ClientSession::flush);
            touched.clear();
        }
    }
}
