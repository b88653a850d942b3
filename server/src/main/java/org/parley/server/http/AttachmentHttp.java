package org.parley.server.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.stream.ChunkedStream;
import org.parley.server.attachments.AttachmentId;
import org.parley.server.attachments.AttachmentRecord;
import org.parley.server.attachments.AttachmentStore;
import org.parley.server.attachments.AttachmentTooLargeException;
import org.parley.server.metrics.Metrics;
import org.parley.server.transport.AttachmentRoutes;
import org.parley.server.transport.HttpBodyHandler;
import org.parley.server.transport.HttpResponses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Attachment upload and download over plain HTTP. Upload: {@code POST /v1/attachments} with
 * {@code Authorization: Ticket <ticket>} (from the WebSocket), streamed into the store on a
 * worker thread; answered {@code 201} with the new id, {@code 413} over the size limit, {@code 401}
 * without a valid ticket. Download: {@code GET /v1/attachments/{id}}, streamed from disk.
 */
public final class AttachmentHttp implements AttachmentRoutes {
    private static final Logger log = LoggerFactory.getLogger(AttachmentHttp.class);
    private static final String TICKET_SCHEME = "Ticket ";
    private static final int DOWNLOAD_CHUNK = 64 * 1024;

    private final AttachmentStore store;
    private final UploadTickets tickets;
    private final Executor blockingPool;
    private final Metrics metrics;

    public AttachmentHttp(AttachmentStore store, UploadTickets tickets, Executor blockingPool, Metrics metrics) {
        this.store = store;
        this.tickets = tickets;
        this.blockingPool = blockingPool;
        this.metrics = metrics;
    }

    @Override
    public HttpBodyHandler upload(ChannelHandlerContext ctx, HttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION, "");
        if (!authorization.startsWith(TICKET_SCHEME) || !tickets.redeem(authorization.substring(TICKET_SCHEME.length()).strip())) {
            // The router discards the body that follows, so the client can read this answer.
            HttpResponses.error(ctx, keepAlive, HttpResponseStatus.UNAUTHORIZED,
                    "an upload needs the header 'Authorization: Ticket <ticket>' with a fresh ticket from RequestAttachmentUpload");
            return null;
        }
        long declared = HttpUtil.getContentLength(request, -1L);
        if (declared > store.maxBytes()) {
            HttpResponses.errorBeforeBodyEnds(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, tooLarge());
            BodyPipe refused = new BodyPipe(ctx.channel());
            refused.discardThenClose(ctx);
            return refused;
        }
        BodyPipe body = new BodyPipe(ctx.channel());
        blockingPool.execute(() -> {
            try {
                AttachmentRecord stored = store.store(body);
                metrics.attachmentUploaded();
                HttpResponses.text(ctx, keepAlive, HttpResponseStatus.CREATED, "text/plain; charset=utf-8", stored.id().hex());
            } catch (AttachmentTooLargeException e) {
                // The rest of the body may still be coming: answer now, drop the rest, then close.
                HttpResponses.errorBeforeBodyEnds(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, tooLarge());
                body.discardThenClose(ctx);
            } catch (IOException e) {
                ctx.close(); // the client went away mid-upload; nothing was kept
            } catch (RuntimeException e) {
                log.error("storing an attachment failed", e);
                HttpResponses.error(ctx, false, HttpResponseStatus.INTERNAL_SERVER_ERROR, "the server could not store the attachment; try again");
            } finally {
                body.discard();
            }
        });
        return body;
    }

    private String tooLarge() {
        return "the attachment is larger than this server's limit of " + store.maxBytes() + " bytes";
    }

    @Override
    public void download(ChannelHandlerContext ctx, HttpRequest request, String attachmentId) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        AttachmentId id;
        try {
            id = AttachmentId.parse(attachmentId);
        } catch (IllegalArgumentException e) {
            HttpResponses.error(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, "no such attachment: " + e.getMessage());
            return;
        }
        blockingPool.execute(() -> {
            try {
                Optional<AttachmentRecord> record = store.record(id);
                Optional<InputStream> blob = record.isPresent() ? store.open(id) : Optional.empty();
                if (blob.isEmpty()) {
                    HttpResponses.error(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, "no such attachment (it may have expired)");
                    return;
                }
                HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
                HttpUtil.setContentLength(response, record.get().size());
                HttpUtil.setKeepAlive(response, keepAlive);
                ctx.write(response);
                var done = ctx.writeAndFlush(new HttpChunkedInput(new ChunkedStream(blob.get(), DOWNLOAD_CHUNK)));
                done.addListener(f -> blob.get().close());
                if (!keepAlive) {
                    done.addListener(ChannelFutureListener.CLOSE);
                }
            } catch (IOException | RuntimeException e) {
                log.error("reading an attachment failed", e);
                HttpResponses.error(ctx, false, HttpResponseStatus.INTERNAL_SERVER_ERROR, "the server could not read the attachment");
            }
        });
    }
}
