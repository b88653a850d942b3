package org.parley.server.bridge;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * What a bridge listens on, where it relays to, and its limits.
 *
 * @param listen                   the address clients connect to
 * @param upstream                 the server every relayed connection goes to (unresolved is fine: resolved per connection)
 * @param maxConnectionsPerNetwork open connections one network may hold (an IPv4 address, an IPv6 /64)
 * @param maxConnections           open client connections in all
 * @param handshakeTimeout         how long a client has to finish its TLS handshake, and then the upstream to answer the dial
 * @param idleTimeout              how long a relayed connection may pass no byte either way
 * @param upstreamTls              whether the upstream serves TLS (any real server): a browser's connection, plain HTTP
 *                                 inside the bridge's TLS, then reaches it inside TLS that the bridge runs; false for a
 *                                 server without TLS ({@code --to http://}). A client's own TLS is relayed as it is either way.
 */
public record BridgeConfig(InetSocketAddress listen, InetSocketAddress upstream, int maxConnectionsPerNetwork, int maxConnections,
                           Duration handshakeTimeout, Duration idleTimeout, boolean upstreamTls) {
    public static final int DEFAULT_PORT = 443;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_NETWORK = 20;
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);

    public BridgeConfig {
        if (maxConnectionsPerNetwork < 1 || maxConnections < 1) {
            throw new IllegalArgumentException("connection limits must be at least 1");
        }
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }

    /** The defaults: 20 connections per network, 10,000 in all, 10 s to shake hands, 10 min idle, an upstream with TLS. */
    public static BridgeConfig of(InetSocketAddress listen, InetSocketAddress upstream) {
        return new BridgeConfig(listen, upstream, DEFAULT_MAX_CONNECTIONS_PER_NETWORK, DEFAULT_MAX_CONNECTIONS,
                DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_IDLE_TIMEOUT, true);
    }

    public BridgeConfig withLimits(int perNetwork, int total) {
        return new BridgeConfig(listen, upstream, perNetwork, total, handshakeTimeout, idleTimeout, upstreamTls);
    }

    public BridgeConfig withTimeouts(Duration handshake, Duration idle) {
        return new BridgeConfig(listen, upstream, maxConnectionsPerNetwork, maxConnections, handshake, idle, upstreamTls);
    }

    /** For an upstream without TLS: browsers' connections reach it as they come. */
    public BridgeConfig withPlainUpstream() {
        return new BridgeConfig(listen, upstream, maxConnectionsPerNetwork, maxConnections, handshakeTimeout, idleTimeout, false);
    }
}
