package org.parley.client.net;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import org.parley.protocol.WebSocketPaths;

/**
 * Where a Parley server is: a host, a port, whether TLS is used and the WebSocket's path. People
 * may write it as {@code http(s)://HOST:PORT} or {@code ws(s)://HOST:PORT}; the WebSocket lives at
 * {@code /v1/ws} unless the URL names another path (a server started with {@code --ws-path}, or one
 * behind a reverse proxy that routes another path to it), and attachments at
 * {@code /v1/attachments} on the same origin.
 */
public record ServerAddress(String host, int port, boolean tls, String webSocketPath) {
    public static final String WEBSOCKET_PATH = WebSocketPaths.DEFAULT;

    public ServerAddress {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("a server address needs a host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range 1-65535");
        }
        if (!WebSocketPaths.isValid(webSocketPath)) {
            throw new IllegalArgumentException("the WebSocket path must be '/' and segments of letters, digits and -._~"
                    + " (no '.' or '..' segment, no empty one, at most " + WebSocketPaths.MAX_LENGTH + " characters)");
        }
    }

    /** A server whose WebSocket is at the default path. */
    public ServerAddress(String host, int port, boolean tls) {
        this(host, port, tls, WEBSOCKET_PATH);
    }

    /**
     * Parses a server URL.
     *
     * @throws IllegalArgumentException with a message for people when the text is not a server URL
     */
    public static ServerAddress parse(String text) {
        String hint = "; give the server as http://HOST:PORT or https://HOST:PORT (ws:// and wss:// work too)";
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no server URL given" + hint);
        }
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a URL" + hint);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean tls = switch (scheme) {
            case "http", "ws" -> false;
            case "https", "wss" -> true;
            default -> throw new IllegalArgumentException("'" + text + "' has no http, https, ws or wss scheme" + hint);
        };
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("'" + text + "' names no host" + hint);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("'" + text + "' has a query, fragment or user name; give scheme, host, port"
                    + " and at most the WebSocket's path" + hint);
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/")
                ? WEBSOCKET_PATH : uri.getRawPath();
        if (!WebSocketPaths.isValid(path)) {
            throw new IllegalArgumentException("'" + text + "' has a path that cannot be a WebSocket path" + hint);
        }
        int port = uri.getPort() != -1 ? uri.getPort() : tls ? 443 : 80;
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + text + "' has port " + port + ", outside 1-65535" + hint);
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        return new ServerAddress(host, port, tls, path);
    }

    public URI webSocketUri() {
        return URI.create((tls ? "wss://" : "ws://") + authority() + webSocketPath);
    }

    public URI httpUri(String path) {
        return URI.create((tls ? "https://" : "http://") + authority() + path);
    }

    private String authority() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * The canonical text form, {@code http(s)://HOST:PORT}, followed by the WebSocket's path when it
     * is not the default, as stored and shown; {@link #parse} reads it back.
     */
    @Override
    public String toString() {
        return (tls ? "https://" : "http://") + authority() + (webSocketPath.equals(WEBSOCKET_PATH) ? "" : webSocketPath);
    }
}
