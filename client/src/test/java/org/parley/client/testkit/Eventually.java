package org.parley.client.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for something that another thread or process makes true, polling, without a fixed sleep. */
public final class Eventually {
    /** Long enough for a loaded build machine; a passing condition returns as soon as it holds. */
    public static final Duration WAIT = Duration.ofSeconds(30);
    private static final long POLL_MILLIS = 20;

    private Eventually() {
    }

    /** Returns once {@code condition} holds; fails naming {@code what} after {@link #WAIT}. */
    public static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        eventually(what, WAIT, condition);
    }

    /**
     * Returns once {@code condition} holds; fails naming {@code what} after {@code within}, for a
     * condition that takes a known time of its own (such as a call running for 30 s) on top of
     * a loaded machine's delays.
     */
    public static void eventually(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}
