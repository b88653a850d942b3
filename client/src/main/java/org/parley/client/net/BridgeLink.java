package org.parley.client.net;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A bridge ({@code parley proxy}) as people share it, in a message or a QR code:
 * {@code parley://bridge?host=HOST&port=PORT[&pin=PIN][&server=URL]}.
 *
 * <p>The client opens TLS to the bridge, then its own TLS to the server inside that, so the bridge
 * relays bytes it cannot read. {@code pin} is the unpadded base64url SHA-256 of the bridge
 * certificate's SubjectPublicKeyInfo: a bridge with a self-made certificate is trusted by that pin
 * alone; without a pin the bridge's certificate must be one this machine trusts for {@code host}.
 * {@code server}, when present, is the server the bridge leads to, so that one link is enough to
 * register or link through it.
 */
public record BridgeLink(String host, int port, Optional<byte[]> pin, Optional<ServerAddress> server) {
    public static final String PREFIX = "parley://bridge?";
    public static final int PIN_LENGTH = 32;
    private static final int MAX_LINK_LENGTH = 1024;

    public BridgeLink {
        if (host == null || host.isEmpty() || host.length() > 253 || !host.chars().allMatch(c -> c > 32 && c < 127 && c != '/' && c != '?' && c != '#' && c != '@')) {
            throw new IllegalArgumentException("a bridge needs a host name or address");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the bridge's port " + port + " is out of range 1-65535");
        }
        if (pin.isPresent() && pin.get().length != PIN_LENGTH) {
            throw new IllegalArgumentException("a bridge pin is a SHA-256 hash (32 bytes), not " + pin.get().length);
        }
        pin = pin.map(byte[]::clone);
    }

    /** Whether a text looks like a bridge link rather than a server URL. */
    public static boolean isBridgeLink(String text) {
        return text != null && text.strip().regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }

    /**
     * Reads a bridge link.
     *
     * @throws IllegalArgumentException with a message for people when the text is not one
     */
    public static BridgeLink parse(String text) {
        String hint = "; a bridge link looks like " + PREFIX + "host=HOST&port=PORT&pin=PIN";
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no bridge link given" + hint);
        }
        String link = text.strip();
        if (link.length() > MAX_LINK_LENGTH || !isBridgeLink(link)) {
            throw new IllegalArgumentException("'" + shorten(link) + "' is not a bridge link" + hint);
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : link.substring(PREFIX.length()).split("&", -1)) {
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("the bridge link has a malformed part '" + shorten(pair) + "'" + hint);
            }
            String key = pair.substring(0, equals);
            String value;
            try {
                value = URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the bridge link's " + shorten(key) + " is not properly escaped" + hint);
            }
            if (!key.equals("host") && !key.equals("port") && !key.equals("pin") && !key.equals("server")) {
                throw new IllegalArgumentException("the bridge link has an unknown part '" + shorten(key) + "'" + hint);
            }
            if (fields.put(key, value) != null) {
                throw new IllegalArgumentException("the bridge link gives " + key + " twice" + hint);
            }
        }
        if (!fields.containsKey("host") || !fields.containsKey("port")) {
            throw new IllegalArgumentException("the bridge link needs a host and a port" + hint);
        }
        int port;
        try {
            port = Integer.parseInt(fields.get("port"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the bridge link's port '" + shorten(fields.get("port")) + "' is not a number" + hint);
        }
        Optional<byte[]> pin = Optional.empty();
        if (fields.containsKey("pin")) {
            try {
                pin = Optional.of(Base64.getUrlDecoder().decode(fields.get("pin")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the bridge link's pin is not base64url" + hint);
            }
        }
        Optional<ServerAddress> server = Optional.empty();
        if (fields.containsKey("server")) {
            try {
                server = Optional.of(ServerAddress.parse(fields.get("server")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the bridge link's server is not a server URL: " + e.getMessage(), e);
            }
        }
        String host = fields.get("host");
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new BridgeLink(host, port, pin, server);
    }

    /** The link in its canonical form, which {@link #parse} reads back. */
    @Override
    public String toString() {
        StringBuilder link = new StringBuilder(PREFIX).append("host=").append(encode(host.indexOf(':') >= 0 ? "[" + host + "]" : host))
                .append("&port=").append(port);
        pin.ifPresent(p -> link.append("&pin=").append(Base64.getUrlEncoder().withoutPadding().encodeToString(p)));
        server.ifPresent(s -> link.append("&server=").append(encode(s.toString())));
        return link.toString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BridgeLink link && link.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String shorten(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }
}
