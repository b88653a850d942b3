package org.parley.server.transport;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The client's address on a connection: the one a PROXY protocol header or a trusted proxy's
 * X-Forwarded-For named, else the TCP peer. Held on the channel only while it is open, read only
 * for the in-memory per-network limits, and never stored or logged.
 */
public final class ClientAddress {
    private static final AttributeKey<InetAddress> KEY = AttributeKey.valueOf("parley.clientAddress");

    private ClientAddress() {
    }

    /** The client's address, or null when the channel has no IP peer. */
    public static InetAddress of(Channel channel) {
        InetAddress named = channel.attr(KEY).get();
        if (named != null) {
            return named;
        }
        return channel.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }

    static void set(Channel channel, InetAddress client) {
        channel.attr(KEY).set(client);
    }
}
