package org.parley.client.net;

import java.util.Optional;

/**
 * One way to reach this device's server: its address, straight or through a bridge that leads to
 * it. A profile keeps an ordered list of them (the address it registered with, addresses the user
 * added, and those the server announced, signed); the session tries them in turn.
 *
 * @param server the server itself: TLS is checked against its name, and the WebSocket is at its path
 * @param bridge the bridge to open first, whose own TLS wraps the connection to {@code server}
 */
public record Endpoint(ServerAddress server, Optional<BridgeLink> bridge) {
    public Endpoint {
        if (server == null || bridge == null) {
            throw new IllegalArgumentException("an endpoint needs a server");
        }
        // The server is held here; a copy inside the bridge link could only disagree with it.
        bridge = bridge.map(b -> new BridgeLink(b.host(), b.port(), b.pin(), Optional.empty()));
    }

    public static Endpoint direct(ServerAddress server) {
        return new Endpoint(server, Optional.empty());
    }

    /**
     * Reads an endpoint as stored and as people give it: a server URL, or a bridge link (which
     * leads to the link's {@code server=}, or else to {@code home}).
     */
    public static Endpoint parse(String text, ServerAddress home) {
        if (BridgeLink.isBridgeLink(text)) {
            BridgeLink bridge = BridgeLink.parse(text);
            return new Endpoint(bridge.server().orElse(home), Optional.of(bridge));
        }
        return direct(ServerAddress.parse(text));
    }

    /** Whether UDP (call media) can reach the server's relay this way: a bridge relays TCP only. */
    public boolean carriesUdp() {
        return bridge.isEmpty();
    }

    /** The stored and shown form: the bridge link (naming its server) or the server URL. */
    @Override
    public String toString() {
        return bridge.map(b -> new BridgeLink(b.host(), b.port(), b.pin(), Optional.of(server)).toString())
                .orElseGet(server::toString);
    }
}
