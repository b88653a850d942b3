package org.parley.mls.tree;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads a group may use for checks that are independent per member (the leaf signatures a
 * joiner verifies, tree and parent hashes). The group starts no thread itself: the application
 * lends an executor and says how many tasks may run at once, the calling thread included.
 *
 * @param executor runs the helpers; the calling thread works too
 * @param threads  how many threads may work at once, at least 1 (1 = all on the calling thread)
 */
public record Parallelism(Executor executor, int threads) {
    /** Everything on the calling thread. */
    public static final Parallelism NONE = new Parallelism(Runnable::run, 1);

    /**
     * Chunks per thread when work is split. Whichever thread is free takes the next chunk, so the
     * threads finish at most one chunk apart: with 32 per thread, a joiner's 10,000 leaf
     * signatures go in chunks of about 13 ms on this project's 2-core machine, where 8 per thread
     * made chunks of about 50 ms, and one thread could sit idle for most of one at the end.
     */
    static final int CHUNKS_PER_THREAD = 32;

    public Parallelism {
        Objects.requireNonNull(executor, "executor");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
    }

    /** Work on the items [from, to) of a range split over threads. */
    @FunctionalInterface
    interface RangeTask {
        void run(int from, int to);
    }

    /**
     * Runs {@code task} over [0, items) split into chunks of at least {@code minPerChunk} items
     * (one chunk when there is one thread, several per thread otherwise), and returns when all
     * have run. The calling thread works, and up to {@code threads - 1} helpers; each takes the
     * next chunk left, so a thread slowed by a busy core delays the end by one chunk at most, and
     * the caller never waits for a helper the executor has not started: it takes that helper's
     * chunks itself. When chunks fail, the failure of the lowest one is thrown once every chunk
     * has run: a task that stops at its first fault thus reports what a sequential run would.
     */
    void forEachRange(int items, int minPerChunk, RangeTask task) {
        if (items == 0) {
            return;
        }
        int chunks = threads == 1 ? 1 : Math.max(1, Math.min(threads * CHUNKS_PER_THREAD, items / minPerChunk));
        RuntimeException[] faults = new RuntimeException[chunks];
        Error[] errors = new Error[1];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger left = new AtomicInteger(chunks);
        CompletableFuture<Void> allRun = new CompletableFuture<>();
        Runnable worker = () -> {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                try {
                    task.run((int) ((long) items * c / chunks), (int) ((long) items * (c + 1) / chunks));
                } catch (RuntimeException e) {
                    faults[c] = e;
                } catch (Error e) {
                    errors[0] = e;
                }
                if (left.decrementAndGet() == 0) {
                    allRun.complete(null);
                }
            }
        };
        for (int helper = 1; helper < Math.min(threads, chunks); helper++) {
            try {
                executor.execute(worker);
            } catch (RejectedExecutionException e) {
                break;
            }
        }
        worker.run();
        // Completed by whichever thread ran the last chunk, after that chunk's writes.
        allRun.join();
        if (errors[0] != null) {
            throw errors[0];
        }
        for (RuntimeException fault : faults) {
            if (fault != null) {
                throw fault;
            }
        }
    }
}
