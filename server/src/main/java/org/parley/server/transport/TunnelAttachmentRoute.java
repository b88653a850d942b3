package org.parley.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * Serves a tunnel's one HTTP exchange: the attachment upload and download only, anything else is
 * not found. The request says "Connection: close" ({@link TunnelHttpExchange}), so the answer
 * ends the tunnel.
 */
final class TunnelAttachmentRoute extends ChannelInboundHandlerAdapter {
    private final AttachmentPaths attachments;

    TunnelAttachmentRoute(AttachmentRoutes routes) {
        this.attachments = new AttachmentPaths(routes);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            if (!attachments.route(ctx, request, new QueryStringDecoder(request.uri()).path())) {
                HttpResponses.notFound(ctx, false);
            }
        } else if (msg instanceof HttpContent content) {
            attachments.onContent(ctx, content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        attachments.abort();
        super.channelInactive(ctx);
    }

    /** A broken exchange or connection: nothing useful to answer. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
