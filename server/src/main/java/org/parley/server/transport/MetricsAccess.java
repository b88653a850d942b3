package org.parley.server.transport;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Who may read {@code /metrics}: with {@code --metrics-token}, a request carrying
 * {@code Authorization: Bearer <token>}; without one, nobody on the public listener (the admin
 * listener, on loopback, serves it openly). Counters say how busy the server is and when: that is
 * for the operator, not for anyone who can reach the port.
 */
public final class MetricsAccess {
    private static final String BEARER = "Bearer ";

    private final Optional<byte[]> token;

    public MetricsAccess(Optional<String> token) {
        this.token = token.map(t -> t.strip().getBytes(StandardCharsets.UTF_8));
    }

    public boolean hasToken() {
        return token.isPresent();
    }

    /** Whether the request carries the token; compared in constant time. False when there is no token. */
    public boolean authorises(HttpRequest request) {
        String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION, "");
        if (token.isEmpty() || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] presented = authorization.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(presented, token.get());
    }
}
