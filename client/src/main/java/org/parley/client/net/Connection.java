package org.parley.client.net;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.parley.protocol.Auth;
import org.parley.protocol.Limits;
import org.parley.protocol.v1.Challenge;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ServerFrame;

import javax.net.ssl.SSLException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
     * Connects, completes the WebSocket handshake and waits for the server's Challenge.
     *
     * @param pushes  receives every server push after the Challenge
     * @param onClose runs once when the connection ends, for whatever reason
     * @throws ConnectionException when the server cannot be reached or does not behave like Parley
     */
    public static Connection open(ServerAddress address, EventLoopGroup group, Duration timeout,
                                  Consumer<ServerFrame> pushes, Runnable onClose) {
        URI uri = address.webSocketUri();
        SslContext ssl = address.tls() ? clientSsl() : null;
        CompletableFuture<Challenge> challenge = new CompletableFuture<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Connection[] self = new Connection[1];
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri).version(WebSocketVersion.V13).customHeaders(new DefaultHttpHeaders())
                .maxFramePayloadLength(MAX_SERVER_FRAME_BYTES)
                .handshakeTimeoutMillis(timeout.toMillis()).build();
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc(), address.host(), address.port()));
                        }
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16),
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
                                });
                    }
                });
        ChannelFuture connect = bootstrap.connect(address.host(), address.port());
        Channel channel = connect.channel();
        try {
            if (!connect.await(timeout.toMillis()) || !connect.isSuccess()) {
                channel.close();
                throw unreachable(address, connect.cause());
            }
            Connection ready = new Connection(channel, challenge.get(timeout.toMillis(), TimeUnit.MILLISECONDS), closed);
            self[0] = ready;
            closed.thenRun(ready::failPending).thenRun(onClose);
            return ready;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.close();
            throw new ConnectionException("interrupted while connecting to " + address);
        } catch (ExecutionException e) {
            channel.close();
            throw unreachable(address, e.getCause());
        } catch (TimeoutException e) {
            channel.close();
            throw new ConnectionException("the server at " + address + " did not answer within "
                    + timeout.toSeconds() + " s; check that it is a Parley server and that it is running");
        }
    }

    private static ConnectionException unreachable(ServerAddress address, Throwable cause) {
        if (untrustedCertificate(cause)) {
            return new ConnectionException("the server at " + address + " shows a certificate that this machine does not trust;"
                    + " if it is your own authority's, give Java a trust store that holds it"
                    + " (PARLEY_JAVA_OPTS=\"-Djavax.net.ssl.trustStore=FILE -Djavax.net.ssl.trustStorePassword=PASSWORD\")", cause);
        }
        String why = cause == null ? "timed out" : cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
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

    private static SslContext clientSsl() {
        try {
            return SslContextBuilder.forClient().build();
        } catch (SSLException e) {
            throw new ConnectionException("TLS is not available in this Java runtime: " + e.getMessage(), e);
        }
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
