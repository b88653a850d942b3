package org.parley.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;

/** The HTTP side of attachments: streamed upload with a ticket, download by id. */
public interface AttachmentRoutes {
    /** Starts an upload; returns the handler for its body, or null once it has answered an error. */
    HttpBodyHandler upload(ChannelHandlerContext ctx, HttpRequest request);

    void download(ChannelHandlerContext ctx, HttpRequest request, String attachmentId);
}
