package org.parley.mls.tree;

import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Threads a group may use for checks that are independent per member (the leaf signatures a
 * joiner verifies). The group starts no thread itself: the application lends an executor and says
 * how many tasks may run at once, the calling thread included.
 *
 * @param executor runs all but one share of the work; the calling thread runs the last share
 * @param threads  shares to split the work into, at least 1 (1 = all on the calling thread)
 */
public record Parallelism(Executor executor, int threads) {
    /** Everything on the calling thread. */
    public static final Parallelism NONE = new Parallelism(Runnable::run, 1);

    public Parallelism {
        Objects.requireNonNull(executor, "executor");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
    }
}
