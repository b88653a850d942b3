package org.parley.client.attachments;

import org.parley.client.net.Session;
import org.parley.mls.codec.Bytes;
import org.parley.mls.crypto.Secret;
import org.parley.protocol.v1.AttachmentTicket;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RequestAttachmentUpload;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;

/**
 * Upload and download of encrypted attachments: the blob goes over plain HTTP(S) to
 * {@code /v1/attachments} with a single-use ticket from the WebSocket, and comes back by its id.
 * The server only ever sees ciphertext ({@link AttachmentCipher}).
 */
public final class Attachments {
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
    private final HttpClient http;
    private final SecureRandom random;
    private final Duration timeout;

    public Attachments(Session session, SecureRandom random, Duration timeout) {
        this.session = session;
        this.random = random;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
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
        HttpRequest request = HttpRequest.newBuilder(session.address().httpUri("/v1/attachments")).timeout(timeout.multipliedBy(10))
                .header("Authorization", "Ticket " + ticket.getTicket())
                .POST(HttpRequest.BodyPublishers.ofByteArray(sealed.blob())).build();
        HttpResponse<String> response = send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() != 201) {
            throw new AttachmentException("the server refused the attachment upload (HTTP " + response.statusCode() + ")");
        }
        String id = response.body().trim();
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
        HttpRequest request = HttpRequest.newBuilder(session.address().httpUri("/v1/attachments/" + pointer.attachmentId()))
                .timeout(timeout.multipliedBy(10)).GET().build();
        HttpResponse<byte[]> response = send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new AttachmentException("attachment " + pointer.name() + " is not on the server (HTTP "
                    + response.statusCode() + "); it may have expired after 30 days");
        }
        return AttachmentCipher.open(response.body(), pointer.attachmentKey(), pointer.blobDigest(), pointer.size());
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw new AttachmentException("cannot reach the server for the attachment: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AttachmentException("interrupted during an attachment transfer");
        }
    }
}
