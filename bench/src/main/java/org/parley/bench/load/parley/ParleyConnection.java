package org.parley.bench.load.parley;

import com.google.protobuf.ByteString;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Ping;
import org.parley.protocol.v1.ServerFrame;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One WebSocket to a Parley server that matches answers to requests: {@link #request} completes
 * with the frame that carries its request id (an {@code Error} included, for the caller to judge),
 * and every other frame (pushes such as {@code Deliver}, answers nobody waits for) goes to the
 * {@code unsolicited} consumer on the connection's event loop. Used for the anonymous connection
 * of sealed sending, which never signs in, and for the accounts of {@code parley bench spam}.
 */
public final class ParleyConnection extends SimpleChannelInboundHandler<WebSocketFrame> {

    /** The server closes connections that send nothing for two minutes; ping well within that. */
    private static final long PING_INTERVAL_MILLIS = 45_000;

    private final Consumer<ServerFrame> unsolicited;
    private final CompletableFuture<ParleyConnection> opened = new CompletableFuture<>();
    private final Map<Long, CompletableFuture<ServerFrame>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextRequestId = new AtomicLong(1);
    private volatile Channel channel;
    private volatile ByteString challenge = ByteString.EMPTY;
    private ScheduledFuture<?> keepAlive;

    /** A handler not yet on a connection; {@link #open} puts it on one. */
    ParleyConnection(Consumer<ServerFrame> unsolicited) {
        this.unsolicited = unsolicited;
    }

    /**
     * Connects from {@code source} (port chosen by the system) on one of {@code group}'s event
     * loops; completes once the server's {@code Challenge} arrived.
     */
    public static CompletableFuture<ParleyConnection> open(ParleyEndpoint endpoint, EventLoopGroup group,
                                                           Class<? extends Channel> channelClass, InetAddress source,
                                                           Consumer<ServerFrame> unsolicited) {
        ParleyConnection connection = new ParleyConnection(unsolicited);
        new Bootstrap().group(group).channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        endpoint.addCodecs(ch.pipeline());
                        ch.pipeline().addLast(connection);
                    }
                })
                .connect(endpoint.server(), new InetSocketAddress(source, 0))
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        connection.opened.completeExceptionally(new IOException("connect failed: " + f.cause().getMessage(), f.cause()));
                    }
                });
        return connection.opened;
    }

    /** Completes once the server's {@code Challenge} arrived, or fails when the connection could not open. */
    CompletableFuture<ParleyConnection> opened() {
        return opened;
    }

    /** The nonce of the server's {@code Challenge}, to sign for {@code Register} or {@code Authenticate}. */
    public byte[] challenge() {
        return challenge.toByteArray();
    }

    public boolean isOpen() {
        Channel c = channel;
        return c != null && c.isActive();
    }

    public Channel channel() {
        return channel;
    }

    /** Sends {@code frame} with a fresh request id and flushes; completes with the server's answer. */
    public CompletableFuture<ServerFrame> request(ClientFrame.Builder frame) {
        CompletableFuture<ServerFrame> answer = new CompletableFuture<>();
        long id = nextRequestId.getAndIncrement();
        pending.put(id, answer);
        Channel c = channel;
        if (c == null || !c.isActive()) {
            pending.remove(id);
            answer.completeExceptionally(new IOException("the connection is closed"));
            return answer;
        }
        c.writeAndFlush(binary(frame.setRequestId(id).build()));
        return answer;
    }

    /**
     * Writes {@code frame} with a fresh request id, without flushing and without waiting: its
     * answer goes to the {@code unsolicited} consumer. Call {@link #flush()} after a batch.
     */
    public void write(ClientFrame.Builder frame) {
        channel.write(binary(frame.setRequestId(nextRequestId.getAndIncrement()).build()));
    }

    /** Writes a frame with request id 0 (a posted {@code Ack}): the server answers only a failure. */
    public void post(ClientFrame frame) {
        channel.write(binary(frame));
    }

    public void flush() {
        channel.flush();
    }

    public void close() {
        Channel c = channel;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        super.channelRegistered(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            opened.completeExceptionally(new IOException("WebSocket handshake timed out"));
            ctx.close();
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (!(frame instanceof BinaryWebSocketFrame)) {
            return; // pings and close frames are the codec's business
        }
        ServerFrame serverFrame;
        try {
            serverFrame = ServerFrame.parseFrom(new ByteBufInputStream(frame.content()));
        } catch (IOException e) {
            opened.completeExceptionally(new IOException("malformed ServerFrame"));
            ctx.close();
            return;
        }
        if (serverFrame.hasChallenge() && !opened.isDone()) {
            challenge = serverFrame.getChallenge().getNonce();
            startKeepAlive(ctx);
            opened.complete(this);
            return;
        }
        CompletableFuture<ServerFrame> waiting = serverFrame.getRequestId() == 0 ? null : pending.remove(serverFrame.getRequestId());
        if (waiting != null) {
            waiting.complete(serverFrame);
        } else {
            unsolicited.accept(serverFrame);
        }
    }

    private void startKeepAlive(ChannelHandlerContext ctx) {
        long first = ThreadLocalRandom.current().nextLong(PING_INTERVAL_MILLIS);
        keepAlive = ctx.executor().scheduleAtFixedRate(() -> ctx.writeAndFlush(binary(
                ClientFrame.newBuilder().setRequestId(nextRequestId.getAndIncrement()).setPing(Ping.getDefaultInstance()).build())),
                first, PING_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (keepAlive != null) {
            keepAlive.cancel(false);
        }
        IOException closed = new IOException("the server closed the connection");
        opened.completeExceptionally(closed);
        pending.values().forEach(f -> f.completeExceptionally(closed));
        pending.clear();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        opened.completeExceptionally(cause);
        ctx.close();
    }

    private static BinaryWebSocketFrame binary(ClientFrame frame) {
        return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame.toByteArray()));
    }
}
