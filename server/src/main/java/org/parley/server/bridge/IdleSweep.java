package org.parley.server.bridge;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Closes relayed pairs that passed no byte either way for the idle timeout. One task per event
 * loop walks that loop's pairs every sweep period, instead of a handler and a timer per
 * connection: Netty's {@code IdleStateHandler} and its scheduled task held about 330 bytes of each
 * of the thousands of idle connections a bridge keeps. Everything of a loop's list runs on that
 * loop, so nothing here is shared between threads.
 */
final class IdleSweep {
    /** A sweep at least every second, and ten per timeout when the timeout is short. */
    private static final Duration LONGEST_PERIOD = Duration.ofSeconds(1);
    private static final Duration SHORTEST_PERIOD = Duration.ofMillis(10);

    private final Map<EventExecutor, LoopPairs> byLoop = new IdentityHashMap<>();
    private final long timeoutNanos;

    IdleSweep(EventLoopGroup loops, Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
        long periodNanos = Math.max(SHORTEST_PERIOD.toNanos(), Math.min(LONGEST_PERIOD.toNanos(), timeoutNanos / 10));
        for (EventExecutor loop : loops) {
            LoopPairs pairs = new LoopPairs();
            byLoop.put(loop, pairs);
            loop.scheduleAtFixedRate(pairs::sweep, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** From now on, closes {@code pair} once it is idle; on its event loop. */
    void watch(ClientEnd pair, EventLoop loop) {
        byLoop.get(loop).add(pair);
    }

    /** Stops watching {@code pair} (it closed); on its event loop. */
    void forget(ClientEnd pair, EventLoop loop) {
        byLoop.get(loop).remove(pair);
    }

    /** One loop's pairs, in a list with each pair's index in it, so that one leaves in constant time. */
    private final class LoopPairs {
        private final List<ClientEnd> pairs = new ArrayList<>();

        void add(ClientEnd pair) {
            pair.sweepIndex = pairs.size();
            pair.lastActiveNanos = System.nanoTime();
            pairs.add(pair);
        }

        void remove(ClientEnd pair) {
            int at = pair.sweepIndex;
            if (at < 0 || at >= pairs.size() || pairs.get(at) != pair) {
                return;
            }
            ClientEnd last = pairs.remove(pairs.size() - 1);
            if (last != pair) {
                pairs.set(at, last);
                last.sweepIndex = at;
            }
            pair.sweepIndex = -1;
        }

        /** A pair that read anything since the last sweep is active now; one idle for the timeout closes. */
        void sweep() {
            long now = System.nanoTime();
            List<ClientEnd> idle = new ArrayList<>();
            for (ClientEnd pair : pairs) {
                if (pair.takeActivity()) {
                    pair.lastActiveNanos = now;
                } else if (now - pair.lastActiveNanos >= timeoutNanos) {
                    idle.add(pair);
                }
            }
            // Closing removes a pair from the list (ClientEnd.handlerRemoved), so not while walking it.
            idle.forEach(ClientEnd::closeIdle);
        }
    }
}
