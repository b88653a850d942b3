package org.parley.client.net;

import java.net.URI;
import java.util.Locale;

/**
 * How this device's connections travel before they reach the server (or a bridge): straight, or
 * through a proxy the user names with {@code --proxy} (a SOCKS5 proxy such as Tor, RFC 1928, or an
 * HTTP proxy's CONNECT, RFC 9110 §9.3.6). Whatever the route, the device's own TLS to the server
 * runs end to end inside it.
 */
public sealed interface Route {
    /** Straight to the address. */
    Route DIRECT = new Direct();

    /** Whether UDP can take this route: calls through a proxy carry their media over the WebSocket. */
    boolean carriesUdp();

    record Direct() implements Route {
        @Override
        public boolean carriesUdp() {
            return true;
        }

        @Override
        public String toString() {
            return "direct";
        }
    }

    /** A SOCKS5 proxy; {@code socks5h://} is accepted as a synonym (names are always resolved by the proxy). */
    record Socks5(String host, int port) implements Route {
        public Socks5 {
            checkHostAndPort(host, port);
        }

        @Override
        public boolean carriesUdp() {
            return false;
        }

        @Override
        public String toString() {
            return "socks5://" + bracketed(host) + ":" + port;
        }
    }

    /** An HTTP proxy, reached in plain text, asked to CONNECT to the address. */
    record HttpConnect(String host, int port) implements Route {
        public HttpConnect {
            checkHostAndPort(host, port);
        }

        @Override
        public boolean carriesUdp() {
            return false;
        }

        @Override
        public String toString() {
            return "http://" + bracketed(host) + ":" + port;
        }
    }

    /**
     * Reads a {@code --proxy} value: {@code socks5://HOST:PORT}, {@code socks5h://HOST:PORT} or
     * {@code http://HOST:PORT}; {@code direct} or an empty text means no proxy.
     *
     * @throws IllegalArgumentException with a message for people when the text is not one
     */
    static Route parse(String text) {
        String hint = "; give the proxy as socks5://HOST:PORT or http://HOST:PORT";
        if (text == null || text.isBlank() || text.strip().equalsIgnoreCase("direct")) {
            return DIRECT;
        }
        URI uri;
        try {
            uri = URI.create(text.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a proxy URL" + hint);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || uri.getPort() == -1 || uri.getRawUserInfo() != null || uri.getRawQuery() != null
                || !(uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))) {
            throw new IllegalArgumentException("'" + text + "' needs exactly a scheme, a host and a port" + hint);
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        return switch (scheme) {
            case "socks5", "socks5h" -> new Socks5(host, uri.getPort());
            case "http" -> new HttpConnect(host, uri.getPort());
            default -> throw new IllegalArgumentException("'" + text + "' is not a SOCKS5 or HTTP proxy" + hint);
        };
    }

    private static void checkHostAndPort(String host, int port) {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("a proxy needs a host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the proxy's port " + port + " is out of range 1-65535");
        }
    }

    private static String bracketed(String host) {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }
}
