package org.parley.client.attachments;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.parley.client.net.ConnectionException;
import org.parley.client.net.Dialer;
import org.parley.client.net.ServerAddress;
import org.parley.client.net.Session;
import org.parley.mls.codec.Bytes;
import org.parley.mls.crypto.Secret;
import org.parley.protocol.v1.AttachmentTicket;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RequestAttachmentUpload;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Upload and download of encrypted attachments: the blob goes over HTTP(S) to
 * {@code /v1/attachments} with a single-use ticket from the WebSocket, and comes back by its id.
 * The server only ever sees ciphertext ({@link AttachmentCipher}). Transfers take the session's
 * way to the server ({@link Session#dial}): through its proxy and its bridge when it has them,
 * one HTTP/1.1 exchange per connection, and an answer is read only up to the size expected of it.
 */
public final class Attachments {
    /** An upload's answer is an attachment id: a few dozen bytes. */
    private static final int MAX_UPLOAD_ANSWER_BYTES = 1024;
    private static final String PATH = "/v1/attachments";

    /**
     * The pointer a message carries.
     *
     * @param blobDigest the SHA-256 of the uploaded blob
     */
    public record Pointer(String attachmentId, Secret attachmentKey, Bytes blobDigest, long size, String name) {
        @Override
        public String toString() {
            return "Pointer[" + attachmentId + ", " + name + ", " + size + " bytes, key hidden]";
        }
    }

    private final Session session;
    private final SecureRandom random;
    private final Duration timeout;

    public Attachments(Session session, SecureRandom random, Duration timeout) {
        this.session = session;
        this.random = random;
        this.timeout = timeout;
    }

    /** Encrypts and uploads a file; returns what the message must carry. */
    public Pointer upload(String name, byte[] content) {
        AttachmentTicket ticket = session.call(ClientFrame.newBuilder()
                .setRequestAttachmentUpload(RequestAttachmentUpload.getDefaultInstance())).getAttachmentTicket();
        AttachmentCipher.Sealed sealed = AttachmentCipher.seal(content, random);
        if (sealed.blob().length > ticket.getMaxBytes()) {
            throw new AttachmentException(name + " is too large: the server takes at most "
                    + ticket.getMaxBytes() / (1024 * 1024) + " MiB per attachment");
        }
        FullHttpRequest request = request(HttpMethod.POST, PATH, Unpooled.wrappedBuffer(sealed.blob()));
        request.headers().set(HttpHeaderNames.AUTHORIZATION, "Ticket " + ticket.getTicket())
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        Answer answer = exchange(request, MAX_UPLOAD_ANSWER_BYTES);
        if (answer.status() != 201) {
            throw new AttachmentException("the server refused the attachment upload (HTTP " + answer.status() + ")");
        }
        String id = new String(answer.body(), StandardCharsets.UTF_8).trim();
        if (!id.matches("[0-9a-f]{16,128}")) {
            throw new AttachmentException("the server answered the upload with an invalid attachment id");
        }
        return new Pointer(id, sealed.key(), sealed.digest(), sealed.size(), name);
    }

    /** Downloads, verifies and decrypts an attachment. */
    public byte[] download(Pointer pointer) {
        if (!pointer.attachmentId().matches("[0-9a-f]{16,128}")) {
            throw new AttachmentException("the message names an invalid attachment id");
        }
        long expected = AttachmentCipher.blobSize(pointer.size());
        if (pointer.size() < 0 || expected > Integer.MAX_VALUE - 16) {
            throw new AttachmentException("the message announces attachment " + pointer.name() + " with an impossible size");
        }
        Answer answer = exchange(request(HttpMethod.GET, PATH + "/" + pointer.attachmentId(), Unpooled.EMPTY_BUFFER), (int) expected);
        if (answer.status() != 200) {
            throw new AttachmentException("attachment " + pointer.name() + " is not on the server (HTTP "
                    + answer.status() + "); it may have expired after 30 days");
        }
        return AttachmentCipher.open(answer.body(), pointer.attachmentKey(), pointer.blobDigest(), pointer.size());
    }

    private FullHttpRequest request(HttpMethod method, String path, ByteBuf body) {
        ServerAddress server = session.address();
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path, body);
        String host = server.host().indexOf(':') >= 0 ? "[" + server.host() + "]" : server.host();
        request.headers().set(HttpHeaderNames.HOST, host + ":" + server.port())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        HttpUtil.setContentLength(request, body.readableBytes());
        return request;
    }

    /** A finished answer: its status, and its body when it is a success. */
    private record Answer(int status, byte[] body) {
    }

    /** Sends {@code request} on a fresh connection and reads the answer, refusing a body over {@code maxBody} bytes. */
    private Answer exchange(FullHttpRequest request, int maxBody) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        Dialer.Dial dial;
        try {
            dial = session.dial(pipeline -> pipeline.addLast(new HttpClientCodec(), new AnswerReader(request, maxBody, answer)));
        } catch (ConnectionException e) {
            request.release();
            throw new AttachmentException("cannot reach the server for the attachment: " + e.getMessage(), e);
        }
        dial.ready().whenComplete((ok, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
            }
        });
        Duration limit = timeout.multipliedBy(10);
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
