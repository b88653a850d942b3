package org.parley.server.ratelimit;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open connections per network (an IPv4 address, an IPv6 /64) and in all, each under its cap: the
 * bridge's TCP connections, the WebTransport listener's QUIC connections. A network's entry exists
 * only while it holds a connection; nothing here is written anywhere.
 */
public final class ConnectionLimits {
    private final int perNetwork;
    private final int total;
    private final ConcurrentHashMap<Network, Integer> open = new ConcurrentHashMap<>();
    private final AtomicInteger openTotal = new AtomicInteger();

    public ConnectionLimits(int perNetwork, int total) {
        this.perNetwork = perNetwork;
        this.total = total;
    }

    /** Counts a new connection from {@code address}, or refuses it (false) when a cap is reached. */
    public boolean tryOpen(InetAddress address) {
        if (openTotal.incrementAndGet() > total) {
            openTotal.decrementAndGet();
            return false;
        }
        boolean[] admitted = {false};
        open.compute(Network.of(address), (network, count) -> {
            int now = count == null ? 0 : count;
            if (now >= perNetwork) {
                return count;
            }
            admitted[0] = true;
            return now + 1;
        });
        if (!admitted[0]) {
            openTotal.decrementAndGet();
        }
        return admitted[0];
    }

    /** Forgets a connection that {@link #tryOpen} admitted. */
    public void closed(InetAddress address) {
        open.computeIfPresent(Network.of(address), (network, count) -> count <= 1 ? null : count - 1);
        openTotal.decrementAndGet();
    }

    public int openConnections() {
        return openTotal.get();
    }

    public int networks() {
        return open.size();
    }
}
