package org.parley.client.net;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import org.parley.protocol.Auth;
import org.parley.protocol.Limits;
import org.parley.protocol.v1.Challenge;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ServerFrame;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One WebSocket to a Parley server (protocol {@code parley.v1}): binary frames, each one
 * ClientFrame or ServerFrame. Requests are matched to answers by {@code request_id}; frames with
 * request id 0 are pushes and go to the push consumer in arrival order (on the connection's event
 * loop, so a slow consumer delays later pushes but never reorders them).
 */
public final class Connection implements AutoCloseable {
    /** Largest ServerFrame accepted: a full payload plus envelope fields. */
    private static final int MAX_SERVER_FRAME_BYTES = Limits.MAX_CLIENT_FRAME_BYTES;
    private static final long HOP_REPORT_MILLIS = 500;

    private final Channel channel;
    private final Challenge challenge;
    private final AtomicLong requestIds = new AtomicLong();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> closed;

    /** Answers to one request: complete when {@code done} says the collected frames are all. */
    private record Pending(List<ServerFrame> frames, Predicate<List<ServerFrame>> done,
                           CompletableFuture<List<ServerFrame>> result) {
    }

    private Connection(Channel channel, Challenge challenge, CompletableFuture<Void> closed) {
        this.channel = channel;
        this.challenge = challenge;
        this.closed = closed;
    }

    /**
     * Connects to {@code endpoint} the way {@code dialer} goes (straight, or through a proxy, and
     * through the endpoint's bridge if it has one), completes the WebSocket handshake and waits for
     * the server's Challenge.
     *
     * @param pushes  receives every server push after the Challenge
     * @param onClose runs once when the connection ends, for whatever reason
     * @throws ConnectionException when the server, the proxy or the bridge cannot be reached or does
     *                             not behave as it should; the message names which
     */
    public static Connection open(Endpoint endpoint, Dialer dialer, Consumer<ServerFrame> pushes, Runnable onClose) {
        ServerAddress address = endpoint.server();
        Duration timeout = dialer.timeout();
        CompletableFuture<Challenge> challenge = new CompletableFuture<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Connection[] self = new Connection[1];
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(address.webSocketUri()).version(WebSocketVersion.V13).customHeaders(new DefaultHttpHeaders())
                .maxFramePayloadLength(MAX_SERVER_FRAME_BYTES)
                .handshakeTimeoutMillis(timeout.toMillis()).build();
        Dialer.Dial dial = dialer.dial(endpoint, pipeline -> pipeline.addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16),
                new WebSocketClientProtocolHandler(config),
                new SimpleChannelInboundHandler<WebSocketFrame>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
                        if (!(frame instanceof BinaryWebSocketFrame)) {
                            return;
                        }
                        ServerFrame parsed;
                        try {
                            parsed = ServerFrame.parseFrom(frame.content().nioBuffer());
                        } catch (InvalidProtocolBufferException e) {
                            ctx.close();
                            return;
                        }
                        if (!challenge.isDone()) {
                            if (parsed.hasChallenge() && parsed.getChallenge().getNonce().size() == Auth.CHALLENGE_LENGTH) {
                                challenge.complete(parsed.getChallenge());
                            } else {
                                ctx.close();
                            }
                        } else if (parsed.getRequestId() != 0) {
                            self[0].answer(parsed);
                        } else {
                            pushes.accept(parsed);
                        }
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        challenge.completeExceptionally(new ConnectionException(
                                "the server at " + address + " closed the connection before signing in"));
                        closed.complete(null);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        challenge.completeExceptionally(cause);
                        ctx.close();
                    }
                }));
        // A failed hop (proxy, bridge, TLS) explains itself better than the WebSocket's error would.
        dial.ready().whenComplete((ok, failure) -> {
            if (failure != null) {
                challenge.completeExceptionally(failure);
            }
        });
        Channel channel = dial.channel();
        try {
            Connection ready = new Connection(channel, challenge.get(timeout.toMillis(), TimeUnit.MILLISECONDS), closed);
            self[0] = ready;
            closed.thenRun(ready::failPending).thenRun(onClose);
            return ready;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.close();
            throw new ConnectionException("interrupted while connecting to " + endpoint);
        } catch (ExecutionException e) {
            channel.close();
            Throwable cause = hopFailure(dial.ready()).orElse(e.getCause());
            throw cause instanceof ConnectionException known ? known : unreachable(address, cause);
        } catch (TimeoutException e) {
            Optional<Throwable> hop = hopFailure(dial.ready());
            channel.close();
            if (hop.isPresent() && hop.get() instanceof ConnectionException known) {
                throw known;
            }
            throw new ConnectionException("the server at " + endpoint + " did not answer within "
                    + timeout.toSeconds() + " s; check that it is a Parley server and that it is running"
                    + (dialer.route() instanceof Route.Direct ? "" : " and that the proxy " + dialer.route() + " works"));
        }
    }

    /**
     * Why a hop failed, when one did: the channel's close may be seen before the hop's own
     * failure is, so this waits a moment for the hop to report.
     */
    private static Optional<Throwable> hopFailure(CompletableFuture<Void> ready) {
        try {
            ready.get(HOP_REPORT_MILLIS, TimeUnit.MILLISECONDS);
            return Optional.empty();
        } catch (ExecutionException failure) {
            return Optional.of(failure.getCause());
        } catch (TimeoutException notFailed) {
            return Optional.empty();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static ConnectionException unreachable(ServerAddress address, Throwable cause) {
        if (untrustedCertificate(cause)) {
            return new ConnectionException("the server at " + address + " shows a certificate that this machine does not trust;"
                    + " if it is your own authority's, give Java a trust store that holds it"
                    + " (PARLEY_JAVA_OPTS=\"-Djavax.net.ssl.trustStore=FILE -Djavax.net.ssl.trustStorePassword=PASSWORD\")", cause);
        }
        String why = cause == null ? "timed out" : Dialer.why(cause);
        return new ConnectionException("cannot reach the Parley server at " + address + " (" + why
                + "); check the URL and that the server is running", cause);
    }

    /** A TLS handshake that failed because no trusted authority vouches for the server's certificate. */
    private static boolean untrustedCertificate(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertPathBuilderException || t instanceof java.security.cert.CertPathValidatorException) {
                return true;
            }
        }
        return false;
    }

    /** The server's fresh challenge nonce for this connection. */
    public byte[] challenge() {
        return challenge.getNonce().toByteArray();
    }

    /** The whole Challenge the server opened this connection with (what it announces besides the nonce). */
    public Challenge challengeMessage() {
        return challenge;
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    /** Completes when the connection has ended. */
    public CompletableFuture<Void> closed() {
        return closed;
    }

    /** Sends a request and returns its single answer. */
    public CompletableFuture<ServerFrame> request(ClientFrame.Builder frame) {
        return request(frame, frames -> true).thenApply(frames -> frames.get(0));
    }

    /**
     * Sends a request whose answer may span several frames with the same request id (a SubmitCommit
     * is answered by CommitResult and, when accepted, by the fan-out's SendAccepted).
     */
    public CompletableFuture<List<ServerFrame>> request(ClientFrame.Builder frame, Predicate<List<ServerFrame>> done) {
        long id = requestIds.incrementAndGet();
        Pending request = new Pending(new ArrayList<>(), done, new CompletableFuture<>());
        pending.put(id, request);
        byte[] bytes = frame.setRequestId(id).build().toByteArray();
        channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes))).addListener(write -> {
            if (!write.isSuccess()) {
                pending.remove(id);
                request.result().completeExceptionally(new ConnectionException("the connection dropped while sending", write.cause()));
            }
        });
        if (!channel.isActive()) {
            failPending();
        }
        return request.result();
    }

    /**
     * Sends a frame that expects no answer (call media: a lost frame is concealed, never retried);
     * an error the server reports for it arrives as a push with request id 0.
     */
    public void post(ClientFrame.Builder frame) {
        channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame.setRequestId(0).build().toByteArray())),
                channel.voidPromise());
    }

    private void answer(ServerFrame frame) {
        Pending request = pending.get(frame.getRequestId());
        if (request == null) {
            return;
        }
        request.frames().add(frame);
        if (frame.hasError() || request.done().test(request.frames())) {
            pending.remove(frame.getRequestId());
            request.result().complete(request.frames());
        }
    }

    private void failPending() {
        for (Long id : List.copyOf(pending.keySet())) {
            Pending request = pending.remove(id);
            if (request != null) {
                request.result().completeExceptionally(new ConnectionException("the connection to the server dropped"));
            }
        }
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
    }
}
