package org.parley.mls.testkit.fuzz;

import org.parley.mls.codec.MlsProtocolException;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Runs mutated seeds through their targets and records every input that breaks a rule: it threw
 * something other than {@link MlsProtocolException}, ran out of memory, allocated more than
 * {@code allocationAllowance(input)} bytes (measured per input on the running thread), ran
 * longer than the per-input time limit (a watchdog abandons the run then), or broke a property
 * its target checks. A quarter of the inputs go to a target of another kind than their seed's, so
 * every decoder also sees foreign structures. Findings are grouped by failure signature and minimized.
 */
public final class Fuzzer {
    private static final int POOL_LIMIT = 256;

    private final List<FuzzSeed> seeds;
    private final long randomSeed;
    private final Duration perInputLimit;
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A rule broken by an input: the target, what went wrong, and the minimized input. */
    public record Finding(String target, String signature, String detail, byte[] input, long occurrences) {
        public String inputHex() {
            return HexFormat.of().formatHex(input);
        }
    }

    /** Counts of a run and its findings (empty when clean). */
    public record Report(long inputs, long accepted, long rejected, Map<String, Long> inputsPerTarget,
                         long maxAllocatedBytes, Duration elapsed, boolean completed, List<Finding> findings) {
        public boolean clean() {
            return completed && findings.isEmpty();
        }

        public String summary() {
            return String.format("%,d inputs (%,d accepted, %,d rejected) in %.1f s, max %,d bytes allocated by one input, %d finding(s)%s",
                    inputs, accepted, rejected, elapsed.toMillis() / 1000.0, maxAllocatedBytes, findings.size(),
                    completed ? "" : ", run stopped early");
        }
    }

    public Fuzzer(List<FuzzSeed> seeds, long randomSeed, Duration perInputLimit) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("no seeds");
        }
        this.seeds = List.copyOf(seeds);
        this.randomSeed = randomSeed;
        this.perInputLimit = perInputLimit;
    }

    /** Bytes one input may allocate: its own size many times over (decoded objects), plus room for crypto and exceptions. */
    static long allocationAllowance(FuzzTarget target, byte[] input) {
        return 8L * 1024 * 1024 + target.allocationPerInputByte() * input.length;
    }

    /** Runs {@code inputs} mutated inputs; {@code progress} gets a line every {@code progressEvery} inputs. */
    public Report run(long inputs, long progressEvery, Consumer<String> progress) {
        Worker worker = new Worker(inputs, progressEvery, progress);
        Thread thread = new Thread(worker, "mls-fuzz");
        thread.setDaemon(true);
        long started = System.nanoTime();
        thread.start();
        boolean completed = true;
        try {
            while (thread.isAlive()) {
                thread.join(100);
                long inputStart = worker.inputStartedNanos;
                byte[] current = worker.current;
                if (inputStart != 0 && System.nanoTime() - inputStart > perInputLimit.toNanos() && thread.isAlive()) {
                    // The input hangs; the thread is abandoned (daemon) and the run ends with the finding.
                    worker.stop = true;
                    thread.interrupt();
                    worker.record(new Finding(worker.currentTarget.name(), "hang", "no result after " + perInputLimit.toMillis()
                            + " ms", current, 1));
                    completed = false;
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            completed = false;
        }
        synchronized (worker) {
            return new Report(worker.done, worker.accepted, worker.rejected, new TreeMap<>(worker.perTarget),
                    worker.maxAllocated, Duration.ofNanos(System.nanoTime() - started), completed && worker.done == inputs,
                    List.copyOf(worker.findings.values()));
        }
    }

    /** Runs one input through a target and returns the failure signature, or null if the rules held. */
    static Failure check(FuzzTarget target, byte[] input) {
        try {
            target.run(input);
            return null;
        } catch (MlsProtocolException rejected) {
            return Failure.REJECTED;
        } catch (FuzzTarget.PropertyViolation e) {
            return new Failure("property: " + e.getMessage(), e.getMessage());
        } catch (OutOfMemoryError e) {
            return new Failure("OutOfMemoryError", "out of memory on a " + input.length + "-byte input");
        } catch (Throwable e) {
            StackTraceElement top = firstProjectFrame(e);
            return new Failure(e.getClass().getName() + " at " + top, e + " at " + top);
        }
    }

    private static StackTraceElement firstProjectFrame(Throwable e) {
        for (StackTraceElement frame : e.getStackTrace()) {
            if (frame.getClassName().startsWith("org.parley.")) {
                return frame;
            }
        }
        return e.getStackTrace().length > 0 ? e.getStackTrace()[0] : null;
    }

    /** Outcome of one input: REJECTED (fine), or a failure with a signature used to group and minimize. */
    record Failure(String signature, String detail) {
        static final Failure REJECTED = new Failure("rejected", "");
    }

    /**
     * Shrinks a failing input while it keeps failing with the same signature: removes chunks of
     * halving size, then tries to zero single bytes (ddmin-like, bounded).
     */
    static byte[] minimize(FuzzTarget target, byte[] input, String signature) {
        byte[] best = input;
        int budget = 20_000;
        for (int chunk = Math.max(1, best.length / 2); chunk >= 1 && budget > 0; chunk /= 2) {
            boolean shrunk = true;
            while (shrunk && budget > 0) {
                shrunk = false;
                for (int at = 0; at + chunk <= best.length && budget > 0; at += chunk) {
                    byte[] candidate = new byte[best.length - chunk];
                    System.arraycopy(best, 0, candidate, 0, at);
                    System.arraycopy(best, at + chunk, candidate, at, best.length - at - chunk);
                    budget--;
                    Failure f = check(target, candidate);
                    if (f != null && f.signature().equals(signature)) {
                        best = candidate;
                        shrunk = true;
                        at -= chunk;
                    }
                }
            }
        }
        return best;
    }

    private final class Worker implements Runnable {
        private final long inputs;
        private final long progressEvery;
        private final Consumer<String> progress;
        private final Map<String, Finding> findings = new LinkedHashMap<>();
        private final Map<String, Long> perTarget = new TreeMap<>();
        private final Map<FuzzTarget, List<byte[]>> pools = new LinkedHashMap<>();
        private final Map<FuzzTarget, Integer> seedCounts = new LinkedHashMap<>();
        volatile long inputStartedNanos;
        volatile byte[] current;
        volatile FuzzTarget currentTarget;
        volatile boolean stop;
        long done;
        long accepted;
        long rejected;
        long maxAllocated;

        Worker(long inputs, long progressEvery, Consumer<String> progress) {
            this.inputs = inputs;
            this.progressEvery = progressEvery;
            this.progress = progress;
            for (FuzzSeed seed : seeds) {
                pools.computeIfAbsent(seed.target(), t -> new ArrayList<>()).add(seed.bytes());
            }
            pools.forEach((target, pool) -> seedCounts.put(target, pool.size()));
        }

        synchronized void record(Finding finding) {
            findings.merge(finding.target() + " | " + finding.signature(), finding,
                    (old, again) -> new Finding(old.target(), old.signature(), old.detail(), old.input(), old.occurrences() + 1));
        }

        @Override
        public void run() {
            Random random = new Random(randomSeed);
            Mutator mutator = new Mutator(random);
            // Kinds are chosen uniformly, so 98 tree-validation seeds do not crowd out one-seed kinds.
            Map<String, List<FuzzTarget>> kinds = new TreeMap<>();
            pools.keySet().forEach(t -> kinds.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(t));
            List<List<FuzzTarget>> byKind = new ArrayList<>(kinds.values());
            List<byte[]> allSeeds = seeds.stream().map(FuzzSeed::bytes).toList();
            long threadId = Thread.currentThread().getId();
            for (long i = 0; i < inputs && !stop; i++) {
                List<FuzzTarget> kind = byKind.get(random.nextInt(byKind.size()));
                FuzzTarget origin = kind.get(random.nextInt(kind.size()));
                List<byte[]> pool = pools.get(origin);
                byte[] input = mutator.mutate(pool.get(random.nextInt(pool.size())), allSeeds);
                List<FuzzTarget> foreign = byKind.get(random.nextInt(byKind.size()));
                FuzzTarget target = random.nextInt(4) == 0 ? foreign.get(random.nextInt(foreign.size())) : origin;
                current = input;
                currentTarget = target;
                long allocatedBefore = threads.getThreadAllocatedBytes(threadId);
                inputStartedNanos = System.nanoTime();
                Failure failure = check(target, input);
                inputStartedNanos = 0;
                if (stop) {
                    return;
                }
                long allocated = threads.getThreadAllocatedBytes(threadId) - allocatedBefore;
                synchronized (this) {
                    done++;
                    perTarget.merge(target.name(), 1L, Long::sum);
                    maxAllocated = Math.max(maxAllocated, allocated);
                    if (failure == null) {
                        accepted++;
                        if (target == origin) {
                            // Accepted mutants are new valid structures: mutate them further too.
                            remember(pool, seedCounts.get(origin), input, random);
                        }
                    } else if (failure == Failure.REJECTED) {
                        rejected++;
                    }
                }
                if (failure != null && failure != Failure.REJECTED) {
                    record(new Finding(target.name(), failure.signature(), failure.detail(),
                            minimize(target, input, failure.signature()), 1));
                } else if (allocated > allocationAllowance(target, input)) {
                    record(new Finding(target.name(), "allocation", String.format("%,d bytes allocated for a %,d-byte input",
                            allocated, input.length), input, 1));
                }
                if (progressEvery > 0 && (i + 1) % progressEvery == 0) {
                    progress.accept(String.format("%,d inputs, %d finding(s)", i + 1, findings.size()));
                }
            }
        }

        /** Keeps the seeds and up to POOL_LIMIT accepted mutants after them. */
        private void remember(List<byte[]> pool, int seedCount, byte[] input, Random random) {
            if (pool.size() < seedCount + POOL_LIMIT) {
                pool.add(input);
            } else {
                pool.set(seedCount + random.nextInt(POOL_LIMIT), input);
            }
        }
    }
}
