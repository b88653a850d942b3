package org.parley.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Closes connections that passed no byte for an idle timeout. One task per event loop walks that
 * loop's connections every sweep period, instead of a handler and a timer per connection: Netty's
 * {@code IdleStateHandler}, its pipeline context and its scheduled task held 250 to 330 bytes of
 * each of the thousands of idle connections a server or a bridge keeps. Everything of a loop's
 * list runs on that loop, so nothing here is shared between threads.
 */
public final class IdleSweep {
    /** A sweep at least every second, and ten per timeout when the timeout is short. */
    private static final Duration LONGEST_PERIOD = Duration.ofSeconds(1);
    private static final Duration SHORTEST_PERIOD = Duration.ofMillis(10);

    /** A connection's handler the sweep watches; both methods run on the connection's event loop. */
    public interface Watched {
        /** Whether it read anything since the last call; the call forgets that it did. */
        boolean takeActivity();

        /** It read nothing for the idle timeout: by default its connection closes. */
        default void closeIdle(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }

    /** One watched connection's place in its loop's list, for {@link #forget}. */
    public static final class Watch {
        private final Watched watched;
        private final ChannelHandlerContext ctx;
        private final LoopWatches list;
        private int index;
        private long lastActiveNanos;

        private Watch(Watched watched, ChannelHandlerContext ctx, LoopWatches list) {
            this.watched = watched;
            this.ctx = ctx;
            this.list = list;
        }
    }

    private final Map<EventExecutor, LoopWatches> byLoop = new IdentityHashMap<>();
    private final long timeoutNanos;

    /** Starts a sweep on every loop of {@code loops}; it ends with them. */
    public IdleSweep(EventLoopGroup loops, Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
        long periodNanos = Math.max(SHORTEST_PERIOD.toNanos(), Math.min(LONGEST_PERIOD.toNanos(), timeoutNanos / 10));
        for (EventExecutor loop : loops) {
            LoopWatches watches = new LoopWatches();
            byLoop.put(loop, watches);
            loop.scheduleAtFixedRate(watches::sweep, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** From now on, closes {@code watched}'s connection once it is idle; call from its handlerAdded. */
    public Watch watch(Watched watched, ChannelHandlerContext ctx) {
        Watch watch = new Watch(watched, ctx, byLoop.get(ctx.channel().eventLoop()));
        watch.list.add(watch);
        return watch;
    }

    /** Stops watching (the connection closed); call from its handlerRemoved. */
    public static void forget(Watch watch) {
        watch.list.remove(watch);
    }

    /** One loop's watches, in a list with each one's index in it, so that one leaves in constant time. */
    private final class LoopWatches {
        private final List<Watch> watches = new ArrayList<>();

        void add(Watch watch) {
            watch.index = watches.size();
            watch.lastActiveNanos = System.nanoTime();
            watches.add(watch);
        }

        void remove(Watch watch) {
            int at = watch.index;
            if (at < 0 || at >= watches.size() || watches.get(at) != watch) {
                return;
            }
            Watch last = watches.remove(watches.size() - 1);
            if (last != watch) {
                watches.set(at, last);
                last.index = at;
            }
            watch.index = -1;
        }

        /** One that read anything since the last sweep is active now; one idle for the timeout closes. */
        void sweep() {
            long now = System.nanoTime();
            List<Watch> idle = new ArrayList<>();
            for (Watch watch : watches) {
                if (watch.watched.takeActivity()) {
                    watch.lastActiveNanos = now;
                } else if (now - watch.lastActiveNanos >= timeoutNanos) {
                    idle.add(watch);
                }
            }
            // Closing may take a connection out of the list (forget), so not while walking it.
            idle.forEach(watch -> watch.watched.closeIdle(watch.ctx));
        }
    }
}
