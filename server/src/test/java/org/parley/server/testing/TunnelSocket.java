package org.parley.server.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import org.parley.protocol.Tunnel;
import org.parley.protocol.v1.TunnelHttpHead;
import org.parley.protocol.v1.TunnelHttpHeader;

import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A tunnel's client end as a browser has it: the JDK's WebSocket to the tunnel's path (directly,
 * or to a bridge over TLS), raw messages for hostile tests, and the tunnel's handshake, records and
 * one HTTP exchange on top ({@link Tunnel}).
 */
public final class TunnelSocket implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(20);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One record's plaintext. */
    public record Record(byte type, byte[] body) {
    }

    /** A response carried by the tunnel: status, headers by lower-case name, body. */
    public record HttpAnswer(int status, Map<String, String> headers, byte[] body) {
    }

    private final WebSocket socket;
    private final BlockingQueue<byte[]> messages;
    private final CompletableFuture<Integer> closed;
    private Tunnel.ClientKeys keys;

    private TunnelSocket(WebSocket socket, BlockingQueue<byte[]> messages, CompletableFuture<Integer> closed) {
        this.socket = socket;
        this.messages = messages;
        this.closed = closed;
    }

    /** A WebSocket to {@code uri} (ws:// to a server, wss:// to a bridge that {@code tls} trusts). */
    public static TunnelSocket open(URI uri, SSLContext tls) throws Exception {
        BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        HttpClient.Builder client = HttpClient.newBuilder();
        if (tls != null) {
            client.sslContext(tls);
        }
        WebSocket socket = client.build().newWebSocketBuilder().connectTimeout(WAIT)
                .buildAsync(uri, new WebSocket.Listener() {
                    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

                    @Override
                    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
                        byte[] bytes = new byte[data.remaining()];
                        data.get(bytes);
                        partial.writeBytes(bytes);
                        if (last) {
                            messages.add(partial.toByteArray());
                            partial.reset();
                        }
                        webSocket.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        webSocket.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                        closed.complete(statusCode);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket webSocket, Throwable error) {
                        closed.complete(-1);
                    }
                }).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return new TunnelSocket(socket, messages, closed);
    }

    /** A WebSocket to a server's tunnel, directly. */
    public static TunnelSocket open(URI uri) throws Exception {
        return open(uri, null);
    }

    public void send(byte[] message) throws Exception {
        socket.sendBinary(ByteBuffer.wrap(message), true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    public void sendText(String text) throws Exception {
        socket.sendText(text, true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** The next binary message; fails after {@link #WAIT} without one. */
    public byte[] receive() throws InterruptedException {
        byte[] message = messages.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        if (message == null) {
            throw new AssertionError("no message within " + WAIT + (closed.isDone() ? "; closed with " + closed.join() : ""));
        }
        return message;
    }

    /** The close status the server sent (-1: the connection ended without one); fails while still open after {@link #WAIT}. */
    public int awaitClosed() throws Exception {
        return closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Sends the hello and checks the server's answer against {@code serverKey}. */
    public void handshake(byte[] serverKey) throws Exception {
        Tunnel.ClientHandshake handshake = new Tunnel.ClientHandshake(RANDOM);
        send(handshake.hello());
        keys = handshake.finish(receive(), serverKey);
    }

    /** The next record, sealed but not sent (to send altered, or twice). */
    public byte[] seal(byte type, byte[] body) {
        return keys.toServer().seal(type, body);
    }

    public void sendRecord(byte type, byte[] body) throws Exception {
        send(seal(type, body));
    }

    public Record receiveRecord() throws InterruptedException {
        byte[] plaintext = keys.fromServer().open(receive());
        return new Record(plaintext[0], Arrays.copyOfRange(plaintext, 1, plaintext.length));
    }

    /** Sends a request's head record. */
    public void sendHead(String method, String path, Map<String, String> headers) throws Exception {
        TunnelHttpHead.Builder head = TunnelHttpHead.newBuilder().setMethod(method).setPath(path);
        headers.forEach((name, value) -> head.addHeaders(TunnelHttpHeader.newBuilder().setName(name).setValue(value)));
        sendRecord(Tunnel.HTTP_HEAD, head.build().toByteArray());
    }

    /** Sends a request (head, body in records of the largest size, end) and reads the response. */
    public HttpAnswer exchange(String method, String path, Map<String, String> headers, byte[] body) throws Exception {
        sendHead(method, path, headers);
        for (int offset = 0; offset < body.length; offset += Tunnel.MAX_BODY_RECORD_BYTES) {
            sendRecord(Tunnel.HTTP_BODY, Arrays.copyOfRange(body, offset, Math.min(body.length, offset + Tunnel.MAX_BODY_RECORD_BYTES)));
        }
        sendRecord(Tunnel.HTTP_END, new byte[0]);
        return answer();
    }

    /** The response's head, body and end records. */
    public HttpAnswer answer() throws InterruptedException, InvalidProtocolBufferException {
        Record first = receiveRecord();
        if (first.type() != Tunnel.HTTP_HEAD) {
            throw new AssertionError("expected a response head, got a record of type " + first.type());
        }
        TunnelHttpHead head = TunnelHttpHead.parseFrom(first.body());
        Map<String, String> headers = new LinkedHashMap<>();
        head.getHeadersList().forEach(header -> headers.put(header.getName().toLowerCase(java.util.Locale.ROOT), header.getValue()));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Record record = receiveRecord(); record.type() != Tunnel.HTTP_END; record = receiveRecord()) {
            if (record.type() != Tunnel.HTTP_BODY || record.body().length > Tunnel.MAX_BODY_RECORD_BYTES) {
                throw new AssertionError("expected a body record of at most " + Tunnel.MAX_BODY_RECORD_BYTES + " bytes, got type "
                        + record.type() + " of " + record.body().length);
            }
            body.writeBytes(record.body());
        }
        return new HttpAnswer(head.getStatus(), headers, body.toByteArray());
    }

    @Override
    public void close() {
        socket.abort();
    }
}
