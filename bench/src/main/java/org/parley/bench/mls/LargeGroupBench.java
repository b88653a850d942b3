package org.parley.bench.mls;

import org.parley.mls.group.CommitResult;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;
import org.parley.mls.tree.Parallelism;
import org.parley.mls.group.KeyPackageBundle;
import org.parley.mls.group.ProcessedMessage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;

/**
 * {@code parley bench large-group}, issue 4's large-group benchmark: for full trees of each size,
 * one Commit that adds one member, removes one and carries another's Update (create at alice,
 * process at bob), the new member's join from that Commit's Welcome, the sizes of both, and 1 KiB
 * application messages; plus KeyPackages per second. A plain harness: each measurement is
 * repeated after warm-up rounds on a fresh copy of the saved group, and the median and minimum
 * are printed as a Markdown table.
 *
 * <p>With {@code --ts-mls DIR} (the ts-mls harness folder), {@link TsMlsBench} then runs the same
 * operations in ts-mls and in Parley on groups both can build, and prints the ratios. Two members
 * are built through the API; the Commit then adds one and carries bob's Update only.
 */
@Command(name = "large-group",
        description = {"MLS commits, joins and messages in groups of up to 50,000 members.",
                "For each size: create and process a Commit (add 1, remove 1, 1 Update), join from its"
                + " Welcome, their sizes, 1 KiB messages encrypted and decrypted per second, and KeyPackages per second,"
                + " printed as a Markdown table.",
                "Large groups need a large heap: PARLEY_JAVA_OPTS=-Xmx6g for 50,000 members."})
public final class LargeGroupBench implements Callable<Integer> {
    private static final byte[] KIB = new byte[1024];

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--sizes", defaultValue = "2,100,1000,10000,50000", split = ",", paramLabel = "MEMBERS",
            description = "Group sizes to measure, at least 2 each (default ${DEFAULT-VALUE}).")
    int[] sizes;

    @Option(names = "--repeats", defaultValue = "5", paramLabel = "N",
            description = "Measured rounds per size; the median is reported (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "N",
            description = "Unmeasured rounds per size before measuring, and at least 2 s of them (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--ts-mls", paramLabel = "DIR",
            description = "Also run the same operations in ts-mls through its harness in DIR (interop/ts-mls; needs node) and print the ratios.")
    Path tsMls;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Every core of the machine lent to a joiner's leaf checks: the calling thread and cores - 1 daemon threads. */
    private static final Parallelism ALL_CORES = allCores();

    private static Parallelism allCores() {
        int cores = Runtime.getRuntime().availableProcessors();
        ExecutorService lent = Executors.newFixedThreadPool(Math.max(1, cores - 1), task -> {
            Thread thread = new Thread(task, "join-verifier");
            thread.setDaemon(true);
            return thread;
        });
        return new Parallelism(lent, cores);
    }

    /**
     * Medians of the repeats in milliseconds: CPU time of the measuring thread (what the
     * operation costs, since every operation is single-threaded) and wall time (inflated when
     * other processes compete for the cores, as on the shared machine of the recorded run).
     */
    record Timing(double cpuMillis, double wallMillis) {
        static Timing of(List<long[]> cpuAndWallNanos) {
            return new Timing(median(cpuAndWallNanos, 0), median(cpuAndWallNanos, 1));
        }

        private static double median(List<long[]> samples, int which) {
            long[] sorted = samples.stream().mapToLong(s -> s[which]).sorted().toArray();
            return sorted[sorted.length / 2] / 1e6;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.1f / %.1f", cpuMillis, wallMillis);
        }
    }

    /** A point in time: this thread's CPU time and the wall clock, in nanoseconds. */
    private static long[] now() {
        return new long[] {THREADS.getCurrentThreadCpuTime(), System.nanoTime()};
    }

    private static long[] since(long[] start, long[] end) {
        return new long[] {end[0] - start[0], end[1] - start[1]};
    }

    /** {@code joinAllCores}: the same join with the leaf checks on every core; only its wall time means anything. */
    record SizeResult(int members, double buildSeconds, Timing createCommit, Timing processCommit, Timing join, Timing joinAllCores,
                      int commitBytes, int welcomeBytes, double encryptPerSecond, double decryptPerSecond) {
    }

    @Override
    public Integer call() throws Exception {
        if (Arrays.stream(sizes).anyMatch(members -> members < 2)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--sizes must be 2 members or more each");
        }
        if (repeats < 1 || warmup < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--repeats must be at least 1 and --warmup not negative");
        }
        PrintWriter out = spec.commandLine().getOut();
        SecureRandom random = new SecureRandom();
        GroupConfig config = GroupConfig.defaults(random);
        out.printf("MLS large groups: suite 1, sizes %s, %d warm-up + %d measured rounds, %d cores, max heap %d MiB%n",
                Arrays.toString(sizes), warmup, repeats, Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);
        double keyPackagesPerSecond = rate(5_000_000_000L, () -> {
            LargeGroup.keyPackage("kp", random);
            return 1;
        });
        out.printf("KeyPackages generated per CPU second: %.0f%n", keyPackagesPerSecond);
        List<SizeResult> results = new ArrayList<>();
        for (int members : sizes) {
            SizeResult r = measure(members, config, warmup, repeats);
            results.add(r);
            out.printf("%,d members: built in %.1f s; create commit %s ms, process %s ms, join %s ms (%.1f ms wall on %d cores),"
                            + " commit %,d B, Welcome %,d B, encrypt %.0f/s, decrypt %.0f/s%n", members, r.buildSeconds(), r.createCommit(),
                    r.processCommit(), r.join(), r.joinAllCores().wallMillis(), ALL_CORES.threads(), r.commitBytes(), r.welcomeBytes(),
                    r.encryptPerSecond(), r.decryptPerSecond());
        }
        out.println();
        out.println("| members | create commit ms (CPU / wall) | process commit ms (CPU / wall) | join from Welcome ms (CPU / wall) | join on " + ALL_CORES.threads() + " cores ms (wall) | commit bytes | Welcome bytes | encrypt 1 KiB per CPU s | decrypt 1 KiB per CPU s |");
        out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (SizeResult r : results) {
            out.printf(Locale.ROOT, "| %,d | %s | %s | %s | %.1f | %,d | %,d | %,.0f | %,.0f |%n", r.members(), r.createCommit(),
                    r.processCommit(), r.join(), r.joinAllCores().wallMillis(), r.commitBytes(), r.welcomeBytes(),
                    r.encryptPerSecond(), r.decryptPerSecond());
        }
        out.printf(Locale.ROOT, "%nKeyPackages generated per CPU second: %,.0f%n", keyPackagesPerSecond);
        if (tsMls != null) {
            TsMlsBench.compare(tsMls, config, warmup, repeats, keyPackagesPerSecond, out);
        }
        return 0;
    }

    static SizeResult measure(int members, GroupConfig config, int warmup, int repeats) {
        long started = System.nanoTime();
        LargeGroup group = members < 4 ? LargeGroup.byOneCommit(members, config) : LargeGroup.full(members, config);
        double buildSeconds = (System.nanoTime() - started) / 1e9;
        return measure(members, group, buildSeconds, config, warmup, repeats, true);
    }

    /**
     * The rounds run on the same live groups, as a client would: each Commit adds one member and
     * removes another, so the size stays; the first (warm-up) round also fills the tree-hash caches.
     */
    static SizeResult measure(int members, LargeGroup group, double buildSeconds, GroupConfig config, int warmup, int repeats,
                              boolean bobUpdates) {
        List<long[]> create = new ArrayList<>();
        List<long[]> process = new ArrayList<>();
        List<long[]> join = new ArrayList<>();
        List<long[]> joinAllCores = new ArrayList<>();
        GroupConfig allCores = config.withParallelism(ALL_CORES);
        int commitBytes = 0;
        int welcomeBytes = 0;
        Group alice = group.alice;
        Group bob = group.bob;
        int victim = members - 1;
        // Warm-up: at least the given rounds and two seconds, so small groups are measured JIT-compiled.
        long warmUntil = System.nanoTime() + 2_000_000_000L;
        int warmed = 0;
        for (int round = 0; warmed < repeats; round++) {
            // bob's Update, and alice's Add and Remove, go by reference into alice's Commit.
            if (bobUpdates) {
                alice.process(bob.proposeUpdate());
            }
            KeyPackageBundle carolKeys = LargeGroup.keyPackage("carol " + round, config.random());
            bob.process(alice.proposeAdd(carolKeys.publicBytes()));
            boolean removes = members > 2;
            if (removes) {
                bob.process(alice.proposeRemove(victim));
            }
            long[] t0 = now();
            CommitResult commit = alice.commitPendingProposals();
            alice.mergePendingCommit(commit.pending());
            // Copied out before the clock starts, as they would arrive off the wire.
            byte[] commitMessage = commit.commitMessage().toByteArray();
            byte[] welcomeMessage = commit.welcomeMessage().toByteArray();
            long[] t1 = now();
            ProcessedMessage.CommitApplied applied = (ProcessedMessage.CommitApplied) bob.process(commitMessage);
            long[] t2 = now();
            Group carol = Group.joinFromWelcome(config, welcomeMessage, carolKeys, null);
            long[] t3 = now();
            Group carolOnAllCores = Group.joinFromWelcome(allCores, welcomeMessage, carolKeys, null);
            long[] t4 = now();
            if (!MessageDigest.isEqual(carol.epochAuthenticator(), carolOnAllCores.epochAuthenticator())) {
                throw new IllegalStateException("the join on all cores reached another state");
            }
            requireAgreement(removes, bobUpdates, alice, bob, carol, applied);
            // The next round removes the member this one added (it took the leftmost blank leaf);
            // a group of two removes it at once, untimed, so every measured Commit starts from two.
            victim = carol.ownLeafIndex();
            if (!removes) {
                CommitResult back = alice.removeMembers(List.of(victim));
                alice.mergePendingCommit(back.pending());
                bob.process(back.commitMessage().toByteArray());
            }
            if (round >= warmup && System.nanoTime() >= warmUntil) {
                create.add(since(t0, t1));
                process.add(since(t1, t2));
                join.add(since(t2, t3));
                joinAllCores.add(since(t3, t4));
                warmed++;
            }
            commitBytes = commitMessage.length;
            welcomeBytes = welcomeMessage.length;
        }
        Group sender = alice;
        Group receiver = bob;
        List<byte[]> messages = new ArrayList<>();
        double encrypt = rate(1_000_000_000L, () -> {
            messages.add(sender.encrypt(KIB));
            return 1;
        });
        int[] next = {0};
        double decrypt = rate(1_000_000_000L, () -> {
            if (next[0] == messages.size()) {
                return 0;
            }
            receiver.process(messages.get(next[0]++));
            return 1;
        });
        return new SizeResult(members, buildSeconds, Timing.of(create), Timing.of(process), Timing.of(join), Timing.of(joinAllCores),
                commitBytes, welcomeBytes, encrypt, decrypt);
    }

    private static void requireAgreement(boolean removes, boolean bobUpdates, Group alice, Group bob, Group carol, ProcessedMessage.CommitApplied applied) {
        if (!MessageDigest.isEqual(alice.epochAuthenticator(), bob.epochAuthenticator())
                || !MessageDigest.isEqual(alice.epochAuthenticator(), carol.epochAuthenticator())) {
            throw new IllegalStateException("alice, bob and the new member disagree on the epoch authenticator");
        }
        boolean bobUpdated = applied.updated().stream().anyMatch(m -> m.leafIndex() == bob.ownLeafIndex());
        if (applied.added().size() != 1 || applied.removed().size() != (removes ? 1 : 0) || bobUpdated != bobUpdates) {
            throw new IllegalStateException("the Commit did not add one, remove one and update one: " + applied);
        }
    }

    /**
     * Operations per CPU second of {@code op} (returns how many it did; 0 = done) over about
     * {@code nanos} of this thread's CPU time, after a fifth of that as warm-up.
     */
    static double rate(long nanos, LongSupplier op) {
        long warmEnd = THREADS.getCurrentThreadCpuTime() + nanos / 5;
        while (THREADS.getCurrentThreadCpuTime() < warmEnd) {
            if (op.getAsLong() == 0) {
                break;
            }
        }
        long count = 0;
        long start = THREADS.getCurrentThreadCpuTime();
        long now = start;
        while (now - start < nanos) {
            long done = op.getAsLong();
            now = THREADS.getCurrentThreadCpuTime();
            if (done == 0) {
                break;
            }
            count += done;
        }
        return count / ((now - start) / 1e9);
    }
}
