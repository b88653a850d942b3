package org.parley.server.http;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.stream.ChunkedStream;
import org.parley.server.attachments.AttachmentId;
import org.parley.server.attachments.AttachmentRecord;
import org.parley.server.attachments.AttachmentStore;
import org.parley.server.accounts.AccountId;
import org.parley.server.metrics.Metrics;
import org.parley.server.ratelimit.DailyAllowance;
import org.parley.server.transport.AttachmentRoutes;
import org.parley.server.transport.HttpBodyHandler;
import org.parley.server.transport.HttpResponses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Attachment upload and download over plain HTTP. Upload: {@code POST /v1/attachments} with
 * {@code Authorization: Ticket <ticket>} (from the WebSocket), written to the store chunk by chunk
 * on worker threads that wait for nothing ({@link UploadSink}); answered {@code 201} with the new
 * id, {@code 413} over the size limit, {@code 429} (with Retry-After) past the account's daily
 * quota, {@code 408} when it takes longer than the upload timeout, {@code 401} without a valid
 * ticket. Download: {@code GET /v1/attachments/{id}}, streamed from the store (the disk, or PostgreSQL chunk by chunk).
 */
public final class AttachmentHttp implements AttachmentRoutes {
    private static final Logger log = LoggerFactory.getLogger(AttachmentHttp.class);
    private static final String TICKET_SCHEME = "Ticket ";
    private static final int DOWNLOAD_CHUNK = 64 * 1024;

    private final AttachmentStore store;
    private final UploadTicketStore tickets;
    private final DailyAllowance<AccountId> quota;
    private final Duration uploadTimeout;
    private final Executor blockingPool;
    private final Metrics metrics;

    public AttachmentHttp(AttachmentStore store, UploadTicketStore tickets, DailyAllowance<AccountId> quota, Duration uploadTimeout,
                          Executor blockingPool, Metrics metrics) {
        this.store = store;
        this.tickets = tickets;
        this.quota = quota;
        this.uploadTimeout = uploadTimeout;
        this.blockingPool = blockingPool;
        this.metrics = metrics;
    }

    @Override
    public HttpBodyHandler upload(ChannelHandlerContext ctx, HttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION, "");
        Optional<UploadTicketStore.Slot> slot = authorization.startsWith(TICKET_SCHEME)
                ? tickets.redeem(authorization.substring(TICKET_SCHEME.length()).strip()) : Optional.empty();
        if (slot.isEmpty()) {
            // The router discards the body that follows, so the client can read this answer.
            HttpResponses.error(ctx, keepAlive, HttpResponseStatus.UNAUTHORIZED,
                    "an upload needs the header 'Authorization: Ticket <ticket>' with a fresh ticket from RequestAttachmentUpload");
            return null;
        }
        AccountId account = slot.get().account();
        long declared = HttpUtil.getContentLength(request, -1L);
        if (declared > store.maxBytes()) {
            tickets.release(slot.get());
            return refuse(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, tooLarge());
        }
        LocalDate day = quota.day();
        long granted = quota.reserve(account, declared >= 0 ? declared : store.maxBytes());
        if (granted == 0 || granted < declared) {
            quota.release(account, granted, day);
            tickets.release(slot.get());
            return refuse(ctx, HttpResponseStatus.TOO_MANY_REQUESTS, overQuota());
        }
        Upload upload = new Upload(ctx, keepAlive, slot.get(), granted, day);
        upload.sink = new UploadSink(ctx.channel(), blockingPool, store, granted, upload);
        upload.timeout = ctx.executor().schedule(upload::timeOut, uploadTimeout.toMillis(), TimeUnit.MILLISECONDS);
        return upload.sink;
    }

    /** Answers at once; the body still arriving is dropped, then the connection closes. */
    private HttpBodyHandler refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
        return new RefusedBody(HttpResponses.errorBeforeBodyEnds(ctx, status, message,
                status == HttpResponseStatus.TOO_MANY_REQUESTS ? quota.untilReset() : Duration.ZERO));
    }

    private String tooLarge() {
        return "the attachment is larger than this server's limit of " + store.maxBytes() + " bytes";
    }

    private String overQuota() {
        return "your account has used its attachment quota of " + quota.perDay() / (1024 * 1024)
                + " MiB for today (UTC); try again after midnight UTC";
    }

    /** The body of a refused upload: dropped as it arrives; the connection closes after its last chunk and the answer. */
    private static final class RefusedBody implements HttpBodyHandler {
        private final ChannelFuture answered;

        RefusedBody(ChannelFuture answered) {
            this.answered = answered;
        }

        @Override
        public void onContent(ChannelHandlerContext ctx, HttpContent content) {
            content.release();
            if (content instanceof LastHttpContent) {
                answered.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void abort() {
            // nothing was started
        }
    }

    /** One upload in progress: its answer, its timeout, and giving back its ticket slot and unused quota. */
    private final class Upload implements UploadSink.Outcome {
        private final ChannelHandlerContext ctx;
        private final boolean keepAlive;
        private final UploadTicketStore.Slot slot;
        private final long granted;
        private final LocalDate day;
        private UploadSink sink;
        private ScheduledFuture<?> timeout;
        private volatile boolean timedOut;

        Upload(ChannelHandlerContext ctx, boolean keepAlive, UploadTicketStore.Slot slot, long granted, LocalDate day) {
            this.ctx = ctx;
            this.keepAlive = keepAlive;
            this.slot = slot;
            this.granted = granted;
            this.day = day;
        }

        void timeOut() {
            timedOut = true;
            sink.cancel();
        }

        private void ended(long used) {
            timeout.cancel(false);
            try {
                tickets.release(slot);
                quota.release(slot.account(), granted - used, day);
            } catch (RuntimeException e) {
                // Shared in PostgreSQL and it failed: the slot frees at its timeout anyway; the answer must still go out.
                log.warn("giving back an upload's ticket slot or unused quota failed", e);
            }
        }

        @Override
        public void stored(AttachmentRecord record) {
            ended(record.size());
            metrics.attachmentUploaded();
            HttpResponses.text(ctx, keepAlive, HttpResponseStatus.CREATED, "text/plain; charset=utf-8", record.id().hex());
        }

        @Override
        public void tooLarge(long limit) {
            ended(0);
            // The rest of the body may still be coming: answer now, drop the rest, then close.
            boolean quotaLimited = limit < store.maxBytes();
            sink.closeAfterBody(HttpResponses.errorBeforeBodyEnds(ctx,
                    quotaLimited ? HttpResponseStatus.TOO_MANY_REQUESTS : HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    quotaLimited ? overQuota() : AttachmentHttp.this.tooLarge(), quotaLimited ? quota.untilReset() : Duration.ZERO));
        }

        @Override
        public void failed(RuntimeException e) {
            ended(0);
            log.error("storing an attachment failed", e);
            // The body may still be coming, as after a refusal.
            sink.closeAfterBody(HttpResponses.errorBeforeBodyEnds(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "the server could not store the attachment; try again", Duration.ZERO));
        }

        @Override
        public void cancelled() {
            ended(0);
            if (timedOut) {
                // A client this slow may send for long yet: it gets the answer and the end of the stream now.
                ChannelFuture answered = HttpResponses.errorBeforeBodyEnds(ctx, HttpResponseStatus.REQUEST_TIMEOUT,
                        "the upload took longer than this server allows (" + uploadTimeout.toSeconds()
                                + " s); nothing was kept: try again on a faster connection", Duration.ZERO);
                HttpResponses.endOutputAfter(answered);
                sink.closeAfterBody(answered);
            } else {
                ctx.close(); // the client went away mid-upload; nothing was kept
            }
        }
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
