package org.parley.protocol;

import java.util.regex.Pattern;

/**
 * The one rule for where a server's WebSocket may live ({@code parley server --ws-path}, and the
 * path in a client's server URL): the server answers the upgrade there and a client connects
 * there, so both must accept the same paths. A path is {@code /} and segments of letters, digits
 * and {@code -._~}, none of them {@code .} or {@code ..} and none empty, so it cannot climb out of
 * the path a reverse proxy routes to the server.
 */
public final class WebSocketPaths {
    public static final String DEFAULT = "/v1/ws";
    public static final int MAX_LENGTH = 256;
    private static final Pattern PLAIN_SEGMENTS = Pattern.compile("(/(?!\\.{1,2}(/|$))[A-Za-z0-9._~-]+)+");

    private WebSocketPaths() {
    }

    /** Whether {@code path} is a WebSocket path by the rule above. */
    public static boolean isValid(String path) {
        return path != null && path.length() <= MAX_LENGTH && PLAIN_SEGMENTS.matcher(path).matches();
    }
}
