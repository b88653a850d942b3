package org.parley.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import org.parley.server.transport.HttpBodyHandler;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;

/**
 * Bridges a streamed HTTP body (pushed chunk by chunk on the event loop) to the blocking
 * {@link InputStream} the attachment store reads on a worker thread. At most a few chunks are
 * buffered: above that the channel stops reading from the socket until the worker catches up,
 * so a large upload never sits in memory.
 */
final class BodyPipe extends InputStream implements HttpBodyHandler {
    private static final int PAUSE_ABOVE_CHUNKS = 16;
    private static final int RESUME_BELOW_CHUNKS = 4;

    private final Channel channel;
    private final ArrayDeque<ByteBuf> chunks = new ArrayDeque<>();
    private boolean ended;
    private boolean aborted;
    private boolean discarded;
    private ChannelHandlerContext closeAtEnd;

    BodyPipe(Channel channel) {
        this.channel = channel;
    }

    @Override
    public void onContent(ChannelHandlerContext ctx, HttpContent content) {
        synchronized (this) {
            if (discarded) {
                content.release();
                if (content instanceof LastHttpContent && closeAtEnd != null) {
                    closeAtEnd.close();
                }
                return;
            }
            if (content.content().isReadable()) {
                chunks.add(content.content());
            } else {
                content.release();
            }
            if (content instanceof LastHttpContent) {
                ended = true;
            }
            if (chunks.size() > PAUSE_ABOVE_CHUNKS) {
                channel.config().setAutoRead(false);
            }
            notifyAll();
        }
    }

    @Override
    public synchronized void abort() {
        aborted = true;
        notifyAll();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (chunks.isEmpty()) {
            if (aborted) {
                throw new IOException("the upload was interrupted before its end");
            }
            if (ended) {
                return -1;
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading an upload", e);
            }
        }
        ByteBuf head = chunks.peek();
        int n = Math.min(length, head.readableBytes());
        head.readBytes(target, offset, n);
        if (!head.isReadable()) {
            chunks.poll().release();
            if (chunks.size() < RESUME_BELOW_CHUNKS && !channel.config().isAutoRead()) {
                channel.config().setAutoRead(true);
            }
        }
        return n;
    }

    /** Drops the rest of a refused body and closes the connection once it has arrived. */
    synchronized void discardThenClose(ChannelHandlerContext ctx) {
        discard();
        if (ended) {
            ctx.close();
        } else {
            closeAtEnd = ctx;
        }
    }

    /** Releases what is buffered and drops whatever still arrives for this request. */
    synchronized void discard() {
        discarded = true;
        for (ByteBuf chunk : chunks) {
            chunk.release();
        }
        chunks.clear();
        if (!channel.config().isAutoRead()) {
            channel.config().setAutoRead(true);
        }
    }
}
