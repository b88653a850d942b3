package org.parley.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import org.parley.server.attachments.AttachmentRecord;
import org.parley.server.attachments.AttachmentStore;
import org.parley.server.attachments.AttachmentTooLargeException;
import org.parley.server.transport.HttpBodyHandler;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Writes a streamed HTTP body into a new attachment without holding a thread while waiting for
 * bytes: chunks arrive on the event loop and are queued; a task on the worker pool writes what is
 * queued and returns, so a client that sends one byte a second costs a queue and a file, never a
 * pool thread. Above a few hundred KiB queued, the channel stops reading until the writes catch up,
 * so a large upload never sits in memory. The store is touched by one task at a time.
 */
final class UploadSink implements HttpBodyHandler {
    private static final int PAUSE_ABOVE_BYTES = 512 * 1024;

    /** How an upload ended; each is called at most once, on a pool thread, and only one of them. */
    interface Outcome {
        void stored(AttachmentRecord record);

        /** The body went past {@code limit}: the rest of it is being discarded. */
        void tooLarge(long limit);

        /** The disk or the database failed. */
        void failed(RuntimeException e);

        /** Cancelled (timeout, or the client went away): nothing was kept. Called once the store is cleaned up. */
        void cancelled();
    }

    private final Channel channel;
    private final Executor pool;
    private final AttachmentStore store;
    private final long limit;
    private final Outcome outcome;
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean ended;
    private boolean draining;
    /** Finished, refused, failed or cancelled: later chunks are dropped. */
    private boolean over;
    private boolean cancelRequested;
    /** The answer to a refused body: once it is written and the body has ended, the connection closes. */
    private ChannelFuture closeAfter;
    /** Touched only by the drain task, which never runs twice at once. */
    private AttachmentStore.Upload upload;

    UploadSink(Channel channel, Executor pool, AttachmentStore store, long limit, Outcome outcome) {
        this.channel = channel;
        this.pool = pool;
        this.store = store;
        this.limit = limit;
        this.outcome = outcome;
    }

    @Override
    public void onContent(ChannelHandlerContext ctx, HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        synchronized (this) {
            if (over || cancelRequested) {
                content.release();
                ended |= last;
                if (last && closeAfter != null) {
                    closeAfter.addListener(ChannelFutureListener.CLOSE);
                }
                return;
            }
            ByteBuf bytes = content.content();
            if (bytes.isReadable()) {
                queue.add(bytes);
                queuedBytes += bytes.readableBytes();
            } else {
                content.release();
            }
            ended |= last;
            if (queuedBytes > PAUSE_ABOVE_BYTES) {
                channel.config().setAutoRead(false);
            }
            scheduleDrain();
        }
    }

    /** The connection closed before the last chunk. */
    @Override
    public void abort() {
        cancel();
    }

    /** Stops the upload (timeout or disconnect); {@link Outcome#cancelled()} follows unless it already ended. */
    synchronized void cancel() {
        if (over || cancelRequested) {
            return;
        }
        cancelRequested = true;
        scheduleDrain();
    }

    /**
     * Once refused: drops the rest of the body and closes the connection when it has all arrived and
     * {@code answered} is written. The answer is written from the pool while the event loop may be
     * reading the body's last chunk: closing at that chunk without waiting would end the connection
     * before the answer goes out, and the client would see it end with no answer.
     */
    synchronized void closeAfterBody(ChannelFuture answered) {
        closeAfter = answered;
        if (ended) {
            answered.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void scheduleDrain() {
        if (!draining) {
            draining = true;
            pool.execute(this::drain);
        }
    }

    /** Writes everything queued, then finishes the attachment if the body is complete. */
    private void drain() {
        while (true) {
            ByteBuf chunk;
            boolean finish;
            synchronized (this) {
                if (cancelRequested) {
                    over = true;
                    releaseQueued();
                    draining = false;
                    break;
                }
                chunk = queue.poll();
                finish = chunk == null && ended;
                if (chunk == null && !ended) {
                    draining = false;
                    resumeReading();
                    return;
                }
                if (chunk != null) {
                    queuedBytes -= chunk.readableBytes();
                    if (queuedBytes < PAUSE_ABOVE_BYTES / 4) {
                        resumeReading();
                    }
                }
            }
            try {
                if (upload == null) {
                    upload = store.begin(limit);
                }
                if (finish) {
                    AttachmentRecord record = upload.finish();
                    end();
                    outcome.stored(record);
                    return;
                }
                write(chunk);
            } catch (AttachmentTooLargeException e) {
                end();
                upload.abandon();
                outcome.tooLarge(limit);
                return;
            } catch (IOException e) {
                end();
                abandon();
                outcome.failed(new IllegalStateException("writing an attachment to disk failed", e));
                return;
            } catch (RuntimeException e) {
                end();
                abandon();
                outcome.failed(e);
                return;
            } finally {
                if (chunk != null) {
                    chunk.release();
                }
            }
        }
        abandon();
        outcome.cancelled();
    }

    private void write(ByteBuf chunk) throws IOException {
        for (ByteBuffer buffer : chunk.nioBuffers()) {
            upload.write(buffer);
        }
    }

    private synchronized void end() {
        over = true;
        draining = false;
        releaseQueued();
        resumeReading();
    }

    private void abandon() {
        if (upload != null) {
            upload.abandon();
        }
    }

    private void releaseQueued() {
        for (ByteBuf chunk : queue) {
            chunk.release();
        }
        queue.clear();
        queuedBytes = 0;
    }

    private void resumeReading() {
        if (!channel.config().isAutoRead()) {
            channel.config().setAutoRead(true);
        }
    }
}
