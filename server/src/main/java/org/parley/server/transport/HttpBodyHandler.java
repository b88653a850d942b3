package org.parley.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;

/** Consumes the body of one streamed HTTP request, chunk by chunk, as it arrives. */
public interface HttpBodyHandler {
    /** Takes ownership of {@code content} (must release it); the last chunk is a LastHttpContent. */
    void onContent(ChannelHandlerContext ctx, HttpContent content);

    /** The connection closed before the last chunk. */
    void abort();
}
