package org.parley.server.bridge;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;

/**
 * The bridge's connection to the upstream server: plain TCP carrying the client's own TLS, or for a
 * browser's connection TLS that the bridge runs ({@link ClientEnd}), carrying the browser's tunnel.
 * It reads nothing before it is paired with its client connection (auto-read starts off).
 */
final class UpstreamEnd extends RelayEnd {

    /** The server finished sending: pass that on to the client as a TLS close_notify (a half-close). */
    @Override
    protected void shutDownOutputOf(Channel client) {
        client.pipeline().get(SslHandler.class).closeOutbound();
    }
}
