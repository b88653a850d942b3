package org.parley.server.transport;

import io.netty.channel.ChannelHandlerContext;

/** {@code GET /readyz}: whether this node should get traffic, answered by the server's readiness check. */
public interface ReadinessRoute {
    /** Answers 200 "ready", or 503 with the reason; may answer later, off the event loop. */
    void answer(ChannelHandlerContext ctx, boolean keepAlive);
}
