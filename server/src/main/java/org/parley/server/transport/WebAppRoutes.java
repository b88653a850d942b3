package org.parley.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;

/** The web app's static files: every GET or HEAD that is not an API path; answers 404 for what it does not have. */
public interface WebAppRoutes {
    void serve(ChannelHandlerContext ctx, HttpRequest request, boolean keepAlive);
}
