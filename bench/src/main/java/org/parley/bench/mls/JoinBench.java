package org.parley.bench.mls;

import org.parley.mls.group.CommitResult;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;
import org.parley.mls.group.KeyPackageBundle;
import org.parley.mls.tree.Parallelism;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.ToLongFunction;

/**
 * {@code parley bench join}: only the join from a Welcome into one large group, many times, so
 * that a change to the join can be compared before and after on a machine shared with other
 * work. The group (a full tree, {@link LargeGroup}) is built once, alice adds a new member with a
 * Welcome that carries the ratchet tree, and that member joins from it again and again, in turn
 * on each of the given thread counts. Besides the wall time it reports the CPU time of every
 * thread that worked on a join (which other processes on the machine do not inflate), the
 * calling thread's share of it, and the garbage collectors' time.
 *
 * <p>{@code --save} writes the Welcome and the new member's KeyPackage (private keys included:
 * a benchmark's throwaway group) so that {@code --load} can rerun the same join, for instance
 * with the jar of another commit, without building the group again.
 */
@Command(name = "join",
        description = {"MLS join from a Welcome into one large group, repeated: wall time, CPU time of every thread that"
                + " worked, the calling thread's CPU, and GC time, as medians per thread count.",
                "The group is built once (or read with --load); rounds alternate between the thread counts."})
public final class JoinBench implements Callable<Integer> {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int FILE_FORMAT = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--members", defaultValue = "10000", paramLabel = "N",
            description = "Members of the group, at least 4 (default ${DEFAULT-VALUE}); ignored with --load.")
    int members;

    @Option(names = "--threads", defaultValue = "1,2", split = ",", paramLabel = "T",
            description = "Thread counts lent to the join, the calling thread included; each round joins once per count (default ${DEFAULT-VALUE}).")
    int[] threads;

    @Option(names = "--rounds", defaultValue = "10", paramLabel = "N",
            description = "Measured rounds; medians are reported (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", defaultValue = "3", paramLabel = "N",
            description = "Unmeasured rounds first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--save", paramLabel = "FILE", description = "Write the Welcome and the joiner's KeyPackage to FILE after building the group.")
    Path save;

    @Option(names = "--load", paramLabel = "FILE", description = "Join the Welcome saved in FILE instead of building a group.")
    Path load;

    /** The Welcome of a large group and the KeyPackage it was made for. */
    record Invitation(int members, byte[] welcome, KeyPackageBundle joiner) {
        byte[] toBytes() throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(FILE_FORMAT);
            out.writeInt(members);
            writeBlock(out, welcome);
            writeBlock(out, joiner.privateBytes());
            return bytes.toByteArray();
        }

        static Invitation fromBytes(byte[] saved) throws IOException {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(saved));
            int format = in.readInt();
            if (format != FILE_FORMAT) {
                throw new IOException("not a saved join of this benchmark (format " + format + ")");
            }
            int members = in.readInt();
            byte[] welcome = readBlock(in);
            return new Invitation(members, welcome, KeyPackageBundle.fromPrivateBytes(readBlock(in)));
        }

        private static void writeBlock(DataOutputStream out, byte[] block) throws IOException {
            out.writeInt(block.length);
            out.write(block);
        }

        private static byte[] readBlock(DataInputStream in) throws IOException {
            byte[] block = new byte[in.readInt()];
            in.readFully(block);
            return block;
        }
    }

    /** One join: wall, CPU of every thread that worked, CPU of the calling thread, GC time; nanoseconds. */
    record Sample(long wall, long cpu, long callerCpu, long gc) {
    }

    /** Threads lent to joins: the calling thread and {@code threads - 1} helpers, whose CPU time can be read. */
    private static final class LentThreads {
        final Parallelism parallelism;
        private final List<Thread> helpers = new CopyOnWriteArrayList<>();

        LentThreads(int threads) {
            if (threads == 1) {
                parallelism = Parallelism.NONE;
                return;
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads - 1, task -> {
                Thread thread = new Thread(task, "join-helper");
                thread.setDaemon(true);
                helpers.add(thread);
                return thread;
            });
            parallelism = new Parallelism(pool, threads);
        }

        long helpersCpu() {
            return helpers.stream().mapToLong(t -> Math.max(0, THREADS.getThreadCpuTime(t.getId()))).sum();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (Arrays.stream(threads).anyMatch(t -> t < 1) || rounds < 1 || warmup < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be at least 1 each, --rounds at least 1, --warmup not negative");
        }
        if (load == null && members < 4) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--members must be at least 4");
        }
        PrintWriter out = spec.commandLine().getOut();
        GroupConfig config = GroupConfig.defaults(new SecureRandom());
        Invitation invitation;
        if (load != null) {
            invitation = Invitation.fromBytes(Files.readAllBytes(load));
            out.printf("Read a Welcome into %,d members from %s%n", invitation.members(), load);
        } else {
            long started = System.nanoTime();
            invitation = invite(members, config);
            out.printf("Built a group of %,d members in %.1f s%n", members, (System.nanoTime() - started) / 1e9);
            if (save != null) {
                Files.write(save, invitation.toBytes());
                out.printf("Saved its Welcome to %s%n", save);
            }
        }
        out.printf("Welcome %,d bytes; %d warm-up + %d measured rounds on %s threads; %d cores, max heap %d MiB%n",
                invitation.welcome().length, warmup, rounds, Arrays.toString(threads), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);
        LentThreads[] lent = Arrays.stream(threads).mapToObj(LentThreads::new).toArray(LentThreads[]::new);
        List<List<Sample>> samples = new ArrayList<>();
        for (int t = 0; t < threads.length; t++) {
            samples.add(new ArrayList<>());
        }
        byte[] expected = null;
        for (int round = 0; round < warmup + rounds; round++) {
            for (int t = 0; t < threads.length; t++) {
                long gc0 = gcNanos();
                long helpers0 = lent[t].helpersCpu();
                long caller0 = THREADS.getCurrentThreadCpuTime();
                long wall0 = System.nanoTime();
                Group joined = Group.joinFromWelcome(config.withParallelism(lent[t].parallelism), invitation.welcome(), invitation.joiner(), null);
                long wall = System.nanoTime() - wall0;
                long caller = THREADS.getCurrentThreadCpuTime() - caller0;
                long helpers = lent[t].helpersCpu() - helpers0;
                long gc = gcNanos() - gc0;
                if (expected == null) {
                    expected = joined.epochAuthenticator();
                } else if (!MessageDigest.isEqual(expected, joined.epochAuthenticator())) {
                    throw new IllegalStateException("a join on " + threads[t] + " threads reached another state");
                }
                if (round >= warmup) {
                    samples.get(t).add(new Sample(wall, caller + helpers, caller, gc));
                }
            }
        }
        out.println();
        out.println("| threads | wall ms, median (min) | CPU ms, all threads | CPU ms, calling thread | GC ms |");
        out.println("| ---: | ---: | ---: | ---: | ---: |");
        for (int t = 0; t < threads.length; t++) {
            List<Sample> s = samples.get(t);
            out.printf(Locale.ROOT, "| %d | %.1f (%.1f) | %.1f | %.1f | %.1f |%n", threads[t], median(s, Sample::wall),
                    s.stream().mapToLong(Sample::wall).min().orElseThrow() / 1e6, median(s, Sample::cpu), median(s, Sample::callerCpu),
                    median(s, Sample::gc));
        }
        return 0;
    }

    /** A full group of {@code members} in which alice adds one more member; that member's Welcome carries the tree. */
    static Invitation invite(int members, GroupConfig config) {
        LargeGroup group = LargeGroup.full(members, config);
        KeyPackageBundle joiner = LargeGroup.keyPackage("joiner", config.random());
        CommitResult added = group.alice.addMembers(List.of(joiner.publicBytes()));
        group.alice.mergePendingCommit(added.pending());
        return new Invitation(members + 1, added.welcomeMessage().toByteArray(), joiner);
    }

    private static long gcNanos() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum() * 1_000_000L;
    }

    private static double median(List<Sample> samples, ToLongFunction<Sample> field) {
        long[] sorted = samples.stream().mapToLong(field).sorted().toArray();
        return sorted[sorted.length / 2] / 1e6;
    }
}
