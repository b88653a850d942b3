package org.parley.client.testnet;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The impairment path's throttle on simulated time: it delays up to its queue's depth, then drops. */
class ThrottleQueueTest {
    /** 2,000 bytes a second: a 100-byte datagram takes 50 ms to leave. */
    private static final ImpairedUdpPath.Throttle SIXTEEN_KBITS = new ImpairedUdpPath.Throttle(16_000, 1_000);

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    @Test
    void aBurstWaitsItsTurnUntilTheQueueIsFullThenTheRestIsDropped() {
        ThrottleQueue queue = new ThrottleQueue();
        // One on the wire and ten waiting (1,000 bytes); the twelfth does not fit.
        for (int i = 1; i <= 11; i++) {
            assertThat(millis(queue.admit(SIXTEEN_KBITS, 100, 0))).as("datagram %d leaves after", i).isEqualTo(50L * i);
        }
        assertThat(queue.admit(SIXTEEN_KBITS, 100, 0)).isEqualTo(-1);
        assertThat(queue.admit(SIXTEEN_KBITS, 1, 0)).as("not even a byte fits").isEqualTo(-1);
        // 50 ms later one has left: room for one more, behind the other ten.
        assertThat(millis(queue.admit(SIXTEEN_KBITS, 100, TimeUnit.MILLISECONDS.toNanos(50)))).isEqualTo(550);
    }

    @Test
    void onceDrainedADatagramOnlyTakesItsOwnTime() {
        ThrottleQueue queue = new ThrottleQueue();
        for (int i = 0; i < 5; i++) {
            queue.admit(SIXTEEN_KBITS, 100, 0);
        }
        assertThat(millis(queue.admit(SIXTEEN_KBITS, 100, TimeUnit.SECONDS.toNanos(10)))).isEqualTo(50);
    }

    @Test
    void withoutAQueueOnlyWhatFindsTheLinkFreePasses() {
        ImpairedUdpPath.Throttle policer = new ImpairedUdpPath.Throttle(16_000, 0);
        ThrottleQueue queue = new ThrottleQueue();
        assertThat(millis(queue.admit(policer, 100, 0))).isEqualTo(50);
        assertThat(queue.admit(policer, 100, TimeUnit.MILLISECONDS.toNanos(49))).isEqualTo(-1);
        assertThat(millis(queue.admit(policer, 100, TimeUnit.MILLISECONDS.toNanos(50)))).isEqualTo(50);
    }

    @Test
    void withoutAThrottleNothingWaits() {
        ThrottleQueue queue = new ThrottleQueue();
        for (int i = 0; i < 1_000; i++) {
            assertThat(queue.admit(ImpairedUdpPath.Throttle.NONE, 1_400, 0)).isZero();
        }
    }

    @Test
    void aNegativeRateOrQueueIsRefused() {
        assertThatThrownBy(() -> new ImpairedUdpPath.Throttle(-1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ImpairedUdpPath.Throttle(16_000, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(SIXTEEN_KBITS.queueMillis()).isEqualTo(500);
    }
}
