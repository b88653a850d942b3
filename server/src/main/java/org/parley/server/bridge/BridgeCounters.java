package org.parley.server.bridge;

import java.util.concurrent.atomic.LongAdder;

/** What a bridge reports: counts only, never who. */
public final class BridgeCounters {
    final LongAdder accepted = new LongAdder();
    final LongAdder refusedOverLimit = new LongAdder();
    final LongAdder failedHandshakes = new LongAdder();
    final LongAdder relayed = new LongAdder();
    final LongAdder upstreamFailures = new LongAdder();
    final LongAdder idleClosed = new LongAdder();

    /** Connections taken in (under the limits). */
    public long accepted() {
        return accepted.sum();
    }

    /** Connections closed at once because their network, or the bridge, was at its limit. */
    public long refusedOverLimit() {
        return refusedOverLimit.sum();
    }

    /** Connections closed before their TLS handshake finished: junk, a timeout, a client that gave up. */
    public long failedHandshakes() {
        return failedHandshakes.sum();
    }

    /** Connections relayed to the upstream (their upstream connection opened). */
    public long relayed() {
        return relayed.sum();
    }

    /** Handshakes done whose upstream connection could not be opened. */
    public long upstreamFailures() {
        return upstreamFailures.sum();
    }

    /** Relayed connections closed for passing no byte for the idle timeout. */
    public long idleClosed() {
        return idleClosed.sum();
    }

    @Override
    public String toString() {
        return "accepted " + accepted() + ", relayed " + relayed() + ", refused over a limit " + refusedOverLimit()
                + ", failed handshakes " + failedHandshakes() + ", upstream failures " + upstreamFailures()
                + ", closed idle " + idleClosed();
    }
}
