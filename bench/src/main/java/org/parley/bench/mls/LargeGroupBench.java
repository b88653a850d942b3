package org.parley.bench.mls;

import org.parley.mls.group.CommitResult;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;
import org.parley.mls.group.KeyPackageBundle;
import org.parley.mls.group.ProcessedMessage;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Issue 4's large-group benchmark: for full trees of each size, one Commit that adds one member,
 * removes one and carries another's Update (create at alice, process at bob), the new member's
 * join from that Commit's Welcome, the sizes of both, and 1 KiB application messages; plus
 * KeyPackages per second. A plain harness: each measurement is repeated after warm-up rounds on
 * a fresh copy of the saved group, and the median and minimum are printed as a Markdown table.
 *
 * <p>Arguments: {@code [--sizes 2,100,1000,10000,50000] [--repeats 5] [--warmup 2] [--ts-mls DIR]}
 * (with {@code --ts-mls}, the ts-mls harness folder, the same operations run in ts-mls in this
 * run where it can, see {@link TsMlsBench}).
 */
public final class LargeGroupBench {
    private static final byte[] KIB = new byte[1024];

    private LargeGroupBench() {
    }

    /** Median and minimum of the repeats, in milliseconds. */
    record Timing(double medianMillis, double minMillis) {
        static Timing of(List<Long> nanos) {
            long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
            return new Timing(sorted[sorted.length / 2] / 1e6, sorted[0] / 1e6);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.2f (min %.2f)", medianMillis, minMillis);
        }
    }

    record SizeResult(int members, double buildSeconds, Timing createCommit, Timing processCommit, Timing join,
                      int commitBytes, int welcomeBytes, double encryptPerSecond, double decryptPerSecond) {
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = {2, 100, 1000, 10_000, 50_000};
        int repeats = 5;
        int warmup = 2;
        String tsMls = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--sizes" -> sizes = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--repeats" -> repeats = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--ts-mls" -> tsMls = args[i + 1];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        SecureRandom random = new SecureRandom();
        GroupConfig config = GroupConfig.defaults(random);
        System.out.printf("MLS large groups: suite 1, sizes %s, %d warm-up + %d measured rounds, %d cores, max heap %d MiB%n",
                Arrays.toString(sizes), warmup, repeats, Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);
        double keyPackagesPerSecond = rate(2_000_000_000L, () -> {
            LargeGroup.keyPackage("kp", random);
            return 1;
        });
        System.out.printf("KeyPackages generated per second: %.0f%n", keyPackagesPerSecond);
        List<SizeResult> results = new ArrayList<>();
        for (int members : sizes) {
            SizeResult r = measure(members, config, warmup, repeats);
            results.add(r);
            System.out.printf("%,d members: built in %.1f s; create commit %s ms, process %s ms, join %s ms, commit %,d B,"
                            + " Welcome %,d B, encrypt %.0f/s, decrypt %.0f/s%n", members, r.buildSeconds(), r.createCommit(),
                    r.processCommit(), r.join(), r.commitBytes(), r.welcomeBytes(), r.encryptPerSecond(), r.decryptPerSecond());
        }
        System.out.println();
        System.out.println("| members | create commit ms | process commit ms | join from Welcome ms | commit bytes | Welcome bytes | encrypt 1 KiB/s | decrypt 1 KiB/s |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (SizeResult r : results) {
            System.out.printf(Locale.ROOT, "| %,d | %s | %s | %s | %,d | %,d | %,.0f | %,.0f |%n", r.members(), r.createCommit(),
                    r.processCommit(), r.join(), r.commitBytes(), r.welcomeBytes(), r.encryptPerSecond(), r.decryptPerSecond());
        }
        System.out.printf(Locale.ROOT, "%nKeyPackages generated per second: %,.0f%n", keyPackagesPerSecond);
    }

    static SizeResult measure(int members, GroupConfig config, int warmup, int repeats) {
        long started = System.nanoTime();
        LargeGroup group = members < 4 ? LargeGroup.ofTwo(config) : LargeGroup.full(members, config);
        double buildSeconds = (System.nanoTime() - started) / 1e9;
        byte[] savedAlice = group.alice.toBytes();
        byte[] savedBob = group.bob.toBytes();
        List<Long> create = new ArrayList<>();
        List<Long> process = new ArrayList<>();
        List<Long> join = new ArrayList<>();
        int commitBytes = 0;
        int welcomeBytes = 0;
        Group alice = null;
        Group bob = null;
        for (int round = 0; round < warmup + repeats; round++) {
            alice = Group.fromBytes(config, savedAlice);
            bob = Group.fromBytes(config, savedBob);
            // bob's Update, and alice's Add and Remove, go by reference into alice's Commit.
            alice.process(bob.proposeUpdate());
            KeyPackageBundle carolKeys = LargeGroup.keyPackage("carol " + round, config.random());
            bob.process(alice.proposeAdd(carolKeys.publicBytes()));
            if (members >= 4) {
                bob.process(alice.proposeRemove(members - 1 == 3 ? 0 : members - 1));
            }
            long t0 = System.nanoTime();
            CommitResult commit = alice.commitPendingProposals();
            alice.mergePendingCommit(commit.pending());
            long t1 = System.nanoTime();
            ProcessedMessage.CommitApplied applied = (ProcessedMessage.CommitApplied) bob.process(commit.commitMessage());
            long t2 = System.nanoTime();
            Group carol = Group.joinFromWelcome(config, commit.welcomeMessage(), carolKeys, null);
            long t3 = System.nanoTime();
            requireAgreement(members, alice, bob, carol, applied);
            if (round >= warmup) {
                create.add(t1 - t0);
                process.add(t2 - t1);
                join.add(t3 - t2);
            }
            commitBytes = commit.commitMessage().length;
            welcomeBytes = commit.welcomeMessage().length;
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
        return new SizeResult(members, buildSeconds, Timing.of(create), Timing.of(process), Timing.of(join),
                commitBytes, welcomeBytes, encrypt, decrypt);
    }

    private static void requireAgreement(int members, Group alice, Group bob, Group carol, ProcessedMessage.CommitApplied applied) {
        if (!MessageDigest.isEqual(alice.epochAuthenticator(), bob.epochAuthenticator())
                || !MessageDigest.isEqual(alice.epochAuthenticator(), carol.epochAuthenticator())) {
            throw new IllegalStateException("alice, bob and the new member disagree on the epoch authenticator");
        }
        boolean bobUpdated = applied.updated().stream().anyMatch(m -> m.leafIndex() == bob.ownLeafIndex());
        if (applied.added().size() != 1 || applied.removed().size() != (members >= 4 ? 1 : 0) || !bobUpdated) {
            throw new IllegalStateException("the Commit did not add one, remove one and update one: " + applied);
        }
    }

    /** Operations per second of {@code op} (returns how many it did; 0 = done) over about {@code nanos}, after a short warm-up. */
    static double rate(long nanos, LongSupplier op) {
        long warmEnd = System.nanoTime() + nanos / 5;
        while (System.nanoTime() < warmEnd) {
            if (op.getAsLong() == 0) {
                break;
            }
        }
        long count = 0;
        long start = System.nanoTime();
        long end = start + nanos;
        long now = start;
        while (now < end) {
            long done = op.getAsLong();
            now = System.nanoTime();
            if (done == 0) {
                break;
            }
            count += done;
        }
        return count / ((now - start) / 1e9);
    }
}
