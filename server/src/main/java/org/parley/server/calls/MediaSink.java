package org.parley.server.calls;

import io.netty.buffer.ByteBuf;

/**
 * Where the relay delivers a participant's incoming media: a UDP address, or a WebSocket
 * connection when UDP is blocked. Implementations must not block: the relay calls them on its
 * I/O threads.
 */
public interface MediaSink {
    /**
     * Sends one relay datagram ({@link RelayDatagram}); takes ownership of {@code datagram} and
     * must release it, sent or not.
     */
    void send(ByteBuf datagram);

    /** The participant left, timed out, or joined again through another sink. */
    default void detached() {
    }
}
