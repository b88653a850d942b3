package org.parley.server.session;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SerialExecutorTest {
    /** A pool that runs nothing until the test says so. */
    private final ArrayDeque<Runnable> pool = new ArrayDeque<>();
    private final SerialExecutor serial = new SerialExecutor(pool::add);
    private final List<String> ran = new ArrayList<>();

    private void runPool() {
        while (!pool.isEmpty()) {
            pool.poll().run();
        }
    }

    @Test
    void anIdleConnectionRunsANonBlockingRequestAtOnce() {
        assertThat(serial.runNowIfIdle(() -> ran.add("ack"))).isTrue();
        assertThat(ran).containsExactly("ack");
        assertThat(pool).as("nothing handed to the pool").isEmpty();
    }

    @Test
    void aRequestNeverOvertakesOneThatIsQueued() {
        serial.execute(() -> ran.add("commit"));
        assertThat(serial.runNowIfIdle(() -> ran.add("send"))).isFalse();
        serial.execute(() -> ran.add("send"));
        runPool();
        assertThat(ran).containsExactly("commit", "send");
        assertThat(serial.runNowIfIdle(() -> ran.add("ack"))).as("idle again").isTrue();
        assertThat(ran).containsExactly("commit", "send", "ack");
    }

    @Test
    void requestsQueuedWhileOneRunsInlineFollowItOnThePool() {
        assertThat(serial.runNowIfIdle(() -> {
            ran.add("inline");
            serial.execute(() -> ran.add("queued meanwhile"));
            assertThat(pool).as("not started while the inline request runs").isEmpty();
        })).isTrue();
        assertThat(pool).hasSize(1);
        runPool();
        assertThat(ran).containsExactly("inline", "queued meanwhile");
    }

    @Test
    void aFailingInlineRequestLeavesTheExecutorUsable() {
        try {
            serial.runNowIfIdle(() -> {
                throw new IllegalStateException("boom");
            });
        } catch (IllegalStateException expected) {
            ran.add("failed");
        }
        assertThat(serial.runNowIfIdle(() -> ran.add("next"))).isTrue();
        assertThat(ran).containsExactly("failed", "next");
    }
}
