package org.parley.server.session;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Runs one connection's requests one after the other, in arrival order, on a shared pool: the
 * store may block, so requests leave the event loop, but a device's requests never overtake each
 * other (a send after an ack stays after it). A request that cannot block may run on the caller
 * (the event loop) when nothing of the connection is queued, which keeps that order and saves
 * two thread hand-offs on the hot path.
 */
final class SerialExecutor implements Executor {
    private final Executor pool;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        pool.execute(this::drain);
    }

    /** Runs {@code task} now on this thread if nothing is queued or running; false otherwise (nothing run). */
    boolean runNowIfIdle(Runnable task) {
        synchronized (tasks) {
            if (running) {
                return false;
            }
            running = true;
        }
        try {
            task.run();
        } finally {
            boolean more;
            synchronized (tasks) {
                more = !tasks.isEmpty();
                running = more;
            }
            if (more) {
                pool.execute(this::drain);
            }
        }
        return true;
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (tasks) {
                next = tasks.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            next.run();
        }
    }
}
