package org.parley.client.attachments;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import org.parley.client.net.ConnectionException;
import org.parley.client.net.Dialer;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One HTTP/1.1 request and its answer on a connection of its own, opened by a dialler (the
 * session's, so through its proxy and bridge): the answer's body is read only up to the size
 * expected of it, and a failure status is taken without its body.
 */
final class HttpExchange {
    private HttpExchange() {
    }

    /** A finished answer: its status, and its body when it is a success. */
    record Answer(int status, byte[] body) {
    }

    /** Sends {@code request} on a fresh connection and reads the answer, refusing a body over {@code maxBody} bytes. */
    static Answer run(Function<Consumer<ChannelPipeline>, Dialer.Dial> dialler, FullHttpRequest request, int maxBody, Duration limit) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        Dialer.Dial dial;
        try {
            dial = dialler.apply(pipeline -> pipeline.addLast(new HttpClientCodec(), new AnswerReader(request, maxBody, answer)));
        } catch (ConnectionException e) {
            request.release();
            throw new AttachmentException("cannot reach the server for the attachment: " + e.getMessage(), e);
        }
        dial.ready().whenComplete((ok, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
            }
        });
        try {
            return answer.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // A hop that failed (proxy, bridge, TLS) says more than the closed channel it leaves.
            Throwable cause = dial.ready().isCompletedExceptionally()
                    ? dial.ready().handle((ok, failure) -> failure instanceof CompletionException c ? c.getCause() : failure).join()
                    : e.getCause();
            if (cause instanceof AttachmentException known) {
                throw known;
            }
            throw new AttachmentException("cannot reach the server for the attachment: " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new AttachmentException("the attachment transfer did not finish within " + limit.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AttachmentException("interrupted during an attachment transfer");
        } finally {
            dial.channel().close();
        }
    }

    /**
     * Writes the request once the way to the server is open (the TLS layers hold it until their
     * handshakes are done) and collects the answer: a failure status at once, without its body; a
     * success's body up to {@code maxBody} bytes, and no further.
     */
    private static final class AnswerReader extends SimpleChannelInboundHandler<HttpObject> {
        private final FullHttpRequest request;
        private final int maxBody;
        private final CompletableFuture<Answer> answer;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private boolean sent;
        private int status = -1;

        AnswerReader(FullHttpRequest request, int maxBody, CompletableFuture<Answer> answer) {
            this.request = request;
            this.maxBody = maxBody;
            this.answer = answer;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            sent = true;
            ctx.writeAndFlush(request).addListener(write -> {
                if (!write.isSuccess()) {
                    answer.completeExceptionally(new AttachmentException("the connection dropped while sending the attachment: "
                            + write.cause().getMessage(), write.cause()));
                }
            });
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject part) {
            if (answer.isDone()) {
                return;
            }
            if (part.decoderResult().isFailure()) {
                fail(ctx, "the server's answer is not valid HTTP");
                return;
            }
            if (part instanceof HttpResponse response) {
                status = response.status().code();
                if (status / 100 != 2) {
                    answer.complete(new Answer(status, new byte[0]));
                    ctx.close();
                    return;
                }
                if (HttpUtil.getContentLength(response, -1L) > maxBody) {
                    fail(ctx, "the server's answer is larger than the attachment can be");
                    return;
                }
            }
            if (part instanceof HttpContent content) {
                if (status < 0 || body.size() + (long) content.content().readableBytes() > maxBody) {
                    fail(ctx, "the server's answer is larger than the attachment can be");
                    return;
                }
                body.writeBytes(ByteBufUtil.getBytes(content.content()));
                if (part instanceof LastHttpContent) {
                    answer.complete(new Answer(status, body.toByteArray()));
                    ctx.close();
                }
            }
        }

        private void fail(ChannelHandlerContext ctx, String why) {
            answer.completeExceptionally(new AttachmentException(why));
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!sent) {
                request.release();
            }
            answer.completeExceptionally(new AttachmentException("the connection closed before the server's answer was complete"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            answer.completeExceptionally(cause);
            ctx.close();
        }
    }
}
