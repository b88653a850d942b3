package org.parley.mls.tree;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParallelismTest {
    private static final int ITEMS = 10_000;

    /** Runs every item once and counts the visits, failing at the items given. */
    private static AtomicIntegerArray runAll(Parallelism parallelism, int... failing) {
        AtomicIntegerArray visits = new AtomicIntegerArray(ITEMS);
        parallelism.forEachRange(ITEMS, 10, (from, to) -> {
            for (int i = from; i < to; i++) {
                visits.incrementAndGet(i);
                for (int f : failing) {
                    if (i == f) {
                        throw new IllegalStateException("item " + i);
                    }
                }
            }
        });
        return visits;
    }

    private static void assertEveryItemOnce(AtomicIntegerArray visits) {
        for (int i = 0; i < ITEMS; i++) {
            assertThat(visits.get(i)).as("item " + i).isEqualTo(1);
        }
    }

    @Test
    void everyItemRunsOnceOnTheLentThreadsAndTheCaller() {
        ExecutorService lent = Executors.newFixedThreadPool(3);
        try {
            assertEveryItemOnce(runAll(new Parallelism(lent, 4)));
            assertEveryItemOnce(runAll(Parallelism.NONE));
        } finally {
            lent.shutdownNow();
        }
    }

    @Test
    void theLowestFailingItemIsReportedWhicheverThreadRanIt() {
        ExecutorService lent = Executors.newFixedThreadPool(3);
        try {
            for (Parallelism parallelism : List.of(Parallelism.NONE, new Parallelism(lent, 4))) {
                assertThatThrownBy(() -> runAll(parallelism, 9_999, 7_000, 3_001))
                        .isInstanceOf(IllegalStateException.class).hasMessage("item 3001");
            }
        } finally {
            lent.shutdownNow();
        }
    }

    @Test
    void theCallerDoesTheWorkOfHelpersThatNeverStartOrAreRefused() {
        List<Runnable> neverRun = new ArrayList<>();
        assertEveryItemOnce(runAll(new Parallelism(neverRun::add, 4)));
        assertThat(neverRun).hasSize(3);
        neverRun.forEach(Runnable::run);

        assertEveryItemOnce(runAll(new Parallelism(task -> {
            throw new RejectedExecutionException("full");
        }, 4)));
    }

    @Test
    void anErrorInAChunkReachesTheCaller() {
        ExecutorService lent = Executors.newFixedThreadPool(1);
        try {
            assertThatThrownBy(() -> new Parallelism(lent, 2).forEachRange(100, 1, (from, to) -> {
                throw new OutOfMemoryError("simulated");
            })).isInstanceOf(OutOfMemoryError.class);
        } finally {
            lent.shutdownNow();
        }
        Parallelism.NONE.forEachRange(0, 1, (from, to) -> {
            throw new AssertionError("no items, no call");
        });
    }
}
