package org.parley.bench.spam;

import com.google.protobuf.ByteString;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.parley.bench.load.LatencySummary;
import org.parley.bench.load.LoadConfig;
import org.parley.bench.load.LoadRun;
import org.parley.bench.load.Transport;
import org.parley.bench.load.parley.DeviceKeys;
import org.parley.bench.load.parley.SendTokenWallet;
import org.parley.bench.load.parley.ServerRefusal;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.SendToken;
import org.parley.protocol.v1.ServerFrame;
import org.parley.protocol.v1.SetAccessKey;
import org.parley.protocol.v1.SetDeliveryPolicy;

import java.io.PrintStream;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A spam wave against one server (issue 13): honest users write to each other sealed, at a fixed
 * rate, through four phases ({@link SpamPhase}) while bots flood them, first unsealed, then also
 * sealed with access keys they hold as old contacts, then after the honest users blocked (rotated
 * their access keys and refused unsealed sends). Honest senders behave as the Parley client does:
 * a refused send is retried (after the server's retry hint), so none is lost; bots never back off.
 * Every server answer to a bot is counted by phase, kind of send and error code.
 */
public final class SpamRun {

    private static final long SECOND = 1_000_000_000L;
    private static final long TICK_MILLIS = 5;
    /** Registrations and anonymous connections in flight at once. */
    private static final int CONNECT_CONCURRENCY = 200;
    /** Parley allows 20 registrations per source address and hour; stay below. */
    private static final int ACCOUNTS_PER_SOURCE = 16;
    private static final long SETUP_TIMEOUT_SECONDS = 300;

    private final SpamConfig config;
    private final SpamServer server;
    private final PrintStream progress;
    private final SecureRandom random = new SecureRandom();
    private final long runId = random.nextLong();
    private final String usernameTag = HexFormat.of().toHexDigits(random.nextInt());

    private final Map<SpamPhase, PhaseCounters> counters = new ConcurrentHashMap<>();
    private final Map<Long, HonestMessage> outstanding = new ConcurrentHashMap<>();
    private final AtomicLong nextSeq = new AtomicLong();
    private final Recorder honestLatency = new Recorder(1_000L, LatencySummary.HIGHEST_TRACKABLE_NANOS, 3);
    private final Map<String, LongAdder> receiveErrors = new ConcurrentHashMap<>();
    private volatile SpamPhase phase = SpamPhase.CALM;
    private volatile boolean stopped;

    private List<SpamAccount> honest;
    private List<SpamAccount> bots;
    /** Each honest user's address with its current access key, as its honest contacts know it. */
    private AtomicReferenceArray<RecipientAccount> contacts;
    /** Each honest user's address with the access key it had before blocking, as the old-contact bots know it. */
    private List<RecipientAccount> oldKeys;
    private ScheduledExecutorService scheduler;

    public SpamRun(SpamConfig config, SpamServer server, PrintStream progress) {
        this.config = config;
        this.server = server;
        this.progress = progress;
        for (SpamPhase p : SpamPhase.values()) {
            counters.put(p, new PhaseCounters());
        }
    }

    /** A server this process starts with the run's invite setting; closed after the run. */
    public static SpamReport runInProcess(SpamConfig config, PrintStream progress) throws Exception {
        try (SpamServer server = SpamServer.inProcess(config.inviteOnly(), config.sendTokensPerDay())) {
            return new SpamRun(config, server, progress).run();
        }
    }

    public SpamReport run() throws Exception {
        EventLoopGroup group = Transport.newGroup(config.threads());
        scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "spam-scheduler");
            t.setDaemon(true);
            return t;
        });
        try {
            long setupStart = System.nanoTime();
            int accounts = config.honest() + config.bots();
            int sourceCount = (accounts + ACCOUNTS_PER_SOURCE - 1) / ACCOUNTS_PER_SOURCE;
            InetAddress[] sources = LoadRun.sourceAddresses(
                    ThreadLocalRandom.current().nextInt(LoadConfig.MAX_SOURCE_ADDRESSES - sourceCount), sourceCount);
            progress.printf("[spam] registering %d honest users and %d bots on %s server %s%n", config.honest(), config.bots(),
                    config.inviteOnly() ? "an invite-only" : "an open", server.name());
            honest = registerAll("sh", config.honest(), 0, sources, group, this::honestDelivered);
            bots = registerAll("sb", config.bots(), config.honest(), sources, group, payload -> {
                // nobody writes to bots
            });
            progress.printf("[spam] fetching send tokens: %d per honest user, %d per old-contact bot%n",
                    config.tokensPerHonest(), config.tokensPerBot());
            List<CompletableFuture<Integer>> anonymous = new ArrayList<>();
            honest.forEach(h -> anonymous.add(h.goAnonymous(server.endpoint(), config.tokensPerHonest())));
            bots.subList(0, config.oldContacts()).forEach(b -> anonymous.add(b.goAnonymous(server.endpoint(), config.tokensPerBot())));
            awaitAll(anonymous, "open an anonymous connection and get send tokens");
            contacts = new AtomicReferenceArray<>(honest.size());
            List<RecipientAccount> before = new ArrayList<>();
            for (int i = 0; i < honest.size(); i++) {
                contacts.set(i, honest.get(i).addressForContacts());
                before.add(honest.get(i).addressForContacts());
            }
            oldKeys = List.copyOf(before);
            double setupSeconds = (System.nanoTime() - setupStart) / 1e9;
            progress.printf("[spam] set up in %.1f s%n", setupSeconds);

            long start = System.nanoTime();
            HonestWriter honestWriter = new HonestWriter(start);
            scheduler.scheduleAtFixedRate(honestWriter, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
            BotWriter botWriter = new BotWriter();
            scheduler.scheduleAtFixedRate(botWriter, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
            Map<SpamPhase, Long> heap = new TreeMap<>();
            for (SpamPhase p : SpamPhase.values()) {
                if (p == SpamPhase.BLOCKED) {
                    block();
                }
                phase = p;
                botWriter.phaseStarted(p);
                progress.printf("[spam] phase %s for %d s%n", p.label, config.phaseSeconds());
                Thread.sleep(config.phaseSeconds() * 1000L);
                heap.put(p, server.heapAfterGc());
                PhaseCounters c = counters.get(p);
                progress.printf("[spam] %s: honest %d sent, %d delivered so far; bots %s%n", p.label, c.honestSent.sum(),
                        c.honestDelivered.sum(), sorted(c.botAnswers));
            }
            honestWriter.stop();
            botWriter.stop();
            long drainDeadline = System.nanoTime() + config.drainSeconds() * SECOND;
            while (!outstanding.isEmpty() && System.nanoTime() < drainDeadline) {
                Thread.sleep(20);
            }
            stopped = true;
            return report(setupSeconds, heap);
        } finally {
            stopped = true;
            scheduler.shutdownNow();
            if (honest != null) {
                honest.forEach(SpamAccount::close);
            }
            if (bots != null) {
                bots.forEach(SpamAccount::close);
            }
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private List<SpamAccount> registerAll(String prefix, int count, int firstSource, InetAddress[] sources, EventLoopGroup group,
                                          Consumer<byte[]> onDelivered) throws Exception {
        Semaphore inFlight = new Semaphore(CONNECT_CONCURRENCY);
        Class<? extends Channel> channelClass = Transport.channelClass();
        List<CompletableFuture<SpamAccount>> registered = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (!inFlight.tryAcquire(SETUP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("registrations made no progress for " + SETUP_TIMEOUT_SECONDS + " s");
            }
            String username = prefix + usernameTag + "_" + i;
            CompletableFuture<SpamAccount> account = SpamAccount.register(server.endpoint(), group, channelClass,
                    sources[(firstSource + i) % sources.length], username, server.inviteCode(), random, onDelivered);
            account.whenComplete((a, e) -> inFlight.release());
            registered.add(account);
        }
        awaitAll(registered, "register");
        return registered.stream().map(CompletableFuture::join).toList();
    }

    private static <T> void awaitAll(List<CompletableFuture<T>> futures, String what) throws Exception {
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(SETUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("accounts could not " + what + " within " + SETUP_TIMEOUT_SECONDS + " s");
        } catch (ExecutionException e) {
            long failed = futures.stream().filter(CompletableFuture::isCompletedExceptionally).count();
            throw new IllegalStateException(failed + " of " + futures.size() + " accounts could not " + what + ": "
                    + reason(e.getCause()), e.getCause());
        }
    }

    /**
     * Every honest user blocks the bots: a new access key, known only to its honest contacts from
     * now on, and no more unsealed sends. Returns once the server has confirmed all of it.
     */
    private void block() throws Exception {
        List<CompletableFuture<Void>> confirmed = new ArrayList<>();
        for (int i = 0; i < honest.size(); i++) {
            SpamAccount user = honest.get(i);
            int index = i;
            ByteString newKey = DeviceKeys.newAccessKey(random);
            confirmed.add(user.signedIn().request(ClientFrame.newBuilder().setSetAccessKey(SetAccessKey.newBuilder().setAccessKey(newKey)))
                    .thenAccept(answer -> {
                        requireOk(answer, "SetAccessKey");
                        user.accessKeyChanged(newKey);
                        contacts.set(index, user.addressForContacts());
                    }));
            confirmed.add(user.signedIn().request(ClientFrame.newBuilder().setSetDeliveryPolicy(SetDeliveryPolicy.newBuilder().setSealedOnly(true)))
                    .thenAccept(answer -> requireOk(answer, "SetDeliveryPolicy")));
        }
        awaitAll(confirmed, "block (SetAccessKey, SetDeliveryPolicy)");
    }

    private static void requireOk(ServerFrame answer, String what) {
        if (!answer.hasOk()) {
            throw new CompletionException(new ServerRefusal(what, answer.getError()));
        }
    }

    // ------------------------------------------------------------------ honest users

    /** An honest message until its recipient opened it. */
    private record HonestMessage(long seq, SpamPhase phase, int from, int to, long sentNanos) {
    }

    /** Writes honest messages on an open-loop schedule: the offered rate never drops because answers are slow. */
    private final class HonestWriter implements Runnable {
        private final long start;
        private long written;
        /** Cleared at the end: retries of the messages written go on until {@link #stopped}. */
        private boolean writing = true;

        HonestWriter(long start) {
            this.start = start;
        }

        /** Once this returns, no honest message is written any more. */
        synchronized void stop() {
            writing = false;
        }

        @Override
        public synchronized void run() {
            if (!writing) {
                return;
            }
            long due = (long) ((System.nanoTime() - start) / 1e9 * config.honestRate());
            ThreadLocalRandom r = ThreadLocalRandom.current();
            for (; written < due; written++) {
                int from = r.nextInt(honest.size());
                int to = (from + 1 + r.nextInt(honest.size() - 1)) % honest.size();
                HonestMessage message = new HonestMessage(nextSeq.getAndIncrement(), phase, from, to, System.nanoTime());
                outstanding.put(message.seq(), message);
                counters.get(message.phase()).honestSent.increment();
                sendHonest(message);
            }
        }
    }

    /** Sends (or sends again) an honest message sealed, with a token and the recipient's current access key. */
    private void sendHonest(HonestMessage message) {
        if (stopped || !outstanding.containsKey(message.seq())) {
            return;
        }
        SpamAccount from = honest.get(message.from());
        from.topUp(config.tokensPerHonest() / 4, config.tokensPerHonest(), failure -> counters.get(phase).honestRefusals
                .computeIfAbsent("token request " + code(failure), k -> new LongAdder()).increment());
        SendToken token = from.wallet().take();
        if (token == null) {
            counters.get(phase).honestRefusals.computeIfAbsent("no token yet", k -> new LongAdder()).increment();
            retry(message, 50);
            return;
        }
        Send send = Send.newBuilder().setMessageId(messageId()).addRecipients(contacts.get(message.to()))
                .setPayload(ByteString.copyFrom(new SpamPayload(SpamPayload.Kind.HONEST, runId, message.seq(), message.sentNanos()).toPaddedBytes()))
                .setSealed(true).setToken(token).build();
        from.anonymous().request(ClientFrame.newBuilder().setSend(send)).whenComplete((answer, failure) -> {
            if (failure != null) {
                counters.get(phase).honestRefusals.computeIfAbsent("connection closed", k -> new LongAdder()).increment();
            } else if (answer.hasError()) {
                counters.get(phase).honestRefusals.computeIfAbsent(answer.getError().getCode().name(), k -> new LongAdder()).increment();
                retry(message, Math.max(20, answer.getError().getRetryAfterMs()));
            }
        });
    }

    private void retry(HonestMessage message, long afterMillis) {
        if (!stopped) {
            scheduler.schedule(() -> sendHonest(message), afterMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void honestDelivered(byte[] opened) {
        long now = System.nanoTime();
        if (opened == null) {
            receiveErrors.computeIfAbsent("a delivered copy did not open with the mailbox key", k -> new LongAdder()).increment();
            return;
        }
        SpamPayload payload;
        try {
            payload = SpamPayload.fromPaddedBytes(opened);
        } catch (IllegalArgumentException e) {
            receiveErrors.computeIfAbsent("a delivered payload is not the run's", k -> new LongAdder()).increment();
            return;
        }
        if (payload.runId() != runId) {
            return; // an earlier run's mail
        }
        if (payload.kind() == SpamPayload.Kind.BOT) {
            counters.get(phase).spamDelivered.increment();
            return;
        }
        HonestMessage message = outstanding.remove(payload.seq());
        if (message != null) { // null: delivered twice, counted once
            counters.get(message.phase()).honestDelivered.increment();
            long latency = Math.max(0, Math.min(now - message.sentNanos(), LatencySummary.HIGHEST_TRACKABLE_NANOS));
            counters.get(message.phase()).latency.recordValue(latency);
            honestLatency.recordValue(latency);
        }
    }

    // ------------------------------------------------------------------ bots

    /** Every bot in turn, at the bot rate each, from the unsealed wave on; never backs off. */
    private final class BotWriter implements Runnable {
        private volatile long waveStart;
        private volatile boolean running = true;
        private long written;
        private int next;
        /** Old-contact bots that already tried a spent token again in the current phase. */
        private final Map<Integer, Boolean> replayed = new ConcurrentHashMap<>();

        void phaseStarted(SpamPhase p) {
            if (p == SpamPhase.UNSEALED_WAVE) {
                waveStart = System.nanoTime();
            }
            if (p == SpamPhase.SEALED_WAVE && config.oldContacts() > 0) {
                hoard(bots.get(0), p);
            }
            replayed.clear();
        }

        /**
         * One old-contact bot asks for tokens, a full request at a time, until the server refuses:
         * the daily quota is all an account can ever spend on sealed sends.
         */
        private void hoard(SpamAccount bot, SpamPhase when) {
            bot.fillTokens(SendTokenWallet.MAX_PER_REQUEST).whenComplete((added, failure) -> {
                if (failure == null) {
                    count(when, added == SendTokenWallet.MAX_PER_REQUEST ? "token request accepted" : "token request partly granted");
                    if (running) {
                        hoard(bot, when);
                    }
                } else {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                    count(when, "token request " + code(cause));
                }
            });
        }

        void stop() {
            running = false;
        }

        @Override
        public void run() {
            SpamPhase now = phase;
            if (!running || now == SpamPhase.CALM || waveStart == 0) {
                return;
            }
            long due = (long) ((System.nanoTime() - waveStart) / 1e9 * config.botRate() * bots.size());
            for (; written < due; written++) {
                int bot = next;
                next = (next + 1) % bots.size();
                if (now != SpamPhase.UNSEALED_WAVE && bot < config.oldContacts()) {
                    botSealed(bot, now);
                } else {
                    botUnsealed(bot, now);
                }
            }
        }

        private void botUnsealed(int bot, SpamPhase now) {
            RecipientAccount target = honest.get(ThreadLocalRandom.current().nextInt(honest.size())).address();
            bots.get(bot).signedIn().request(ClientFrame.newBuilder().setSend(botSend(target).setSealed(false)))
                    .whenComplete((answer, failure) -> botAnswer(now, "unsealed", answer, failure));
        }

        /** With a fresh token and the access key it knew; then, once per phase, the same token again. */
        private void botSealed(int bot, SpamPhase now) {
            SpamAccount account = bots.get(bot);
            account.topUp(config.tokensPerBot() / 4, config.tokensPerBot(), failure -> count(now, "token request " + code(failure)));
            SendToken token = account.wallet().take();
            if (token == null) {
                count(now, "sealed no token");
                return;
            }
            RecipientAccount target = oldKeys.get(ThreadLocalRandom.current().nextInt(oldKeys.size()));
            account.anonymous().request(ClientFrame.newBuilder().setSend(botSend(target).setSealed(true).setToken(token)))
                    .whenComplete((answer, failure) -> {
                        botAnswer(now, "sealed", answer, failure);
                        if (replayed.putIfAbsent(bot, Boolean.TRUE) == null && account.anonymous().isOpen()) {
                            account.anonymous().request(ClientFrame.newBuilder().setSend(botSend(target).setSealed(true).setToken(token)))
                                    .whenComplete((again, failed) -> botAnswer(now, "spent token", again, failed));
                        }
                    });
        }

        private Send.Builder botSend(RecipientAccount target) {
            return Send.newBuilder().setMessageId(messageId()).addRecipients(target).setPayload(ByteString.copyFrom(
                    new SpamPayload(SpamPayload.Kind.BOT, runId, 0, System.nanoTime()).toPaddedBytes()));
        }
    }

    private void botAnswer(SpamPhase when, String what, ServerFrame answer, Throwable failure) {
        if (failure != null) {
            count(when, what + " connection closed");
        } else if (answer.hasError()) {
            count(when, what + " " + answer.getError().getCode().name());
        } else {
            count(when, what + " " + (answer.hasSendAccepted() ? "accepted" : answer.getBodyCase().name()));
        }
    }

    private void count(SpamPhase when, String key) {
        counters.get(when).botAnswers.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    private static String code(Throwable failure) {
        return failure instanceof ServerRefusal refusal ? refusal.code().name() : "failed";
    }

    private static ByteString messageId() {
        byte[] id = new byte[16];
        ThreadLocalRandom.current().nextBytes(id);
        return ByteString.copyFrom(id);
    }

    private static String reason(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    // ------------------------------------------------------------------ figures

    private static final class PhaseCounters {
        final LongAdder honestSent = new LongAdder();
        final LongAdder honestDelivered = new LongAdder();
        final LongAdder spamDelivered = new LongAdder();
        final Recorder latency = new Recorder(1_000L, LatencySummary.HIGHEST_TRACKABLE_NANOS, 3);
        final Map<String, LongAdder> honestRefusals = new ConcurrentHashMap<>();
        final Map<String, LongAdder> botAnswers = new ConcurrentHashMap<>();
    }

    private static Map<String, Long> sorted(Map<String, LongAdder> counts) {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    private SpamReport report(double setupSeconds, Map<SpamPhase, Long> heap) {
        List<SpamReport.Phase> phases = new ArrayList<>();
        long sent = 0;
        long delivered = 0;
        long maxHeap = -1;
        for (SpamPhase p : SpamPhase.values()) {
            PhaseCounters c = counters.get(p);
            Histogram latency = c.latency.getIntervalHistogram();
            Map<String, Long> refusals = sorted(c.honestRefusals);
            phases.add(new SpamReport.Phase(p.label, c.honestSent.sum(), c.honestDelivered.sum(), LatencySummary.of(latency),
                    refusals, sorted(c.botAnswers), c.spamDelivered.sum(), heap.getOrDefault(p, -1L)));
            sent += c.honestSent.sum();
            delivered += c.honestDelivered.sum();
            maxHeap = Math.max(maxHeap, heap.getOrDefault(p, -1L));
        }
        if (!receiveErrors.isEmpty()) {
            progress.printf("[spam] receive errors: %s%n", sorted(receiveErrors));
        }
        return new SpamReport(config, server.name(), setupSeconds, phases, sent, delivered,
                LatencySummary.of(honestLatency.getIntervalHistogram()), config.heapBoundMiB() * 1048576L, maxHeap);
    }
}
