package org.parley.client.net;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where a Parley server is: a host, a port and whether TLS is used. People may write it as
 * {@code http(s)://HOST:PORT} or {@code ws(s)://HOST:PORT}; the WebSocket lives at {@code /v1/ws}
 * and attachments at {@code /v1/attachments} on the same origin.
 */
public record ServerAddress(String host, int port, boolean tls) {
    public static final String WEBSOCKET_PATH = "/v1/ws";

    public ServerAddress {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("a server address needs a host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range 1-65535");
        }
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
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!path.isEmpty() && !path.equals("/") && !path.equals(WEBSOCKET_PATH)) {
            throw new IllegalArgumentException("'" + text + "' has a path; give only scheme, host and port" + hint);
        }
        int port = uri.getPort() != -1 ? uri.getPort() : tls ? 443 : 80;
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + text + "' has port " + port + ", outside 1-65535" + hint);
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        return new ServerAddress(host, port, tls);
    }

    public URI webSocketUri() {
        return URI.create((tls ? "wss://" : "ws://") + authority() + WEBSOCKET_PATH);
    }

    public URI httpUri(String path) {
        return URI.create((tls ? "https://" : "http://") + authority() + path);
    }

    private String authority() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** The canonical text form, {@code http(s)://HOST:PORT}, as stored and shown. */
    @Override
    public String toString() {
        return (tls ? "https://" : "http://") + authority();
    }
}
