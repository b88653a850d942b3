package org.parley.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The attachment paths of one connection's HTTP requests, {@code POST /v1/attachments} (upload)
 * and {@code GET /v1/attachments/{id}} (download), and the body of the upload under way: the
 * router's, and a tunnel's one exchange ({@link TunnelAttachmentRoute}).
 */
final class AttachmentPaths {
    static final String PATH = "/v1/attachments";

    private final AttachmentRoutes routes;
    private HttpBodyHandler body;

    AttachmentPaths(AttachmentRoutes routes) {
        this.routes = routes;
    }

    /**
     * Serves {@code request} if it is an upload or a download.
     *
     * @return false when it is neither: nothing was answered
     */
    boolean route(ChannelHandlerContext ctx, HttpRequest request, String path) {
        body = null;
        if (path.equals(PATH) && request.method().equals(HttpMethod.POST)) {
            body = routes.upload(ctx, request);
            return true;
        }
        if (path.startsWith(PATH + "/") && request.method().equals(HttpMethod.GET)) {
            routes.download(ctx, request, path.substring(PATH.length() + 1));
            return true;
        }
        return false;
    }

    /** A chunk of the request's body: to the upload under way, dropped otherwise. */
    void onContent(ChannelHandlerContext ctx, HttpContent content) {
        HttpBodyHandler handler = body;
        if (content instanceof LastHttpContent) {
            body = null;
        }
        if (handler != null) {
            handler.onContent(ctx, content);
        } else {
            content.release();
        }
    }

    /** The connection closed: an upload still under way is abandoned. */
    void abort() {
        if (body != null) {
            body.abort();
            body = null;
        }
    }
}
