package org.parley.client.attachments;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import org.parley.client.net.ServerAddress;
import org.parley.client.net.Session;
import org.parley.mls.codec.Bytes;
import org.parley.mls.crypto.Secret;
import org.parley.protocol.v1.AttachmentTicket;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RequestAttachmentUpload;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;

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
        HttpExchange.Answer answer = HttpExchange.run(session::dial, request, MAX_UPLOAD_ANSWER_BYTES, timeout.multipliedBy(10));
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
        HttpExchange.Answer answer = HttpExchange.run(session::dial, request(HttpMethod.GET, PATH + "/" + pointer.attachmentId(),
                Unpooled.EMPTY_BUFFER), (int) expected, timeout.multipliedBy(10));
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
}
