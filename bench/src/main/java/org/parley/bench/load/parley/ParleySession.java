package org.parley.bench.load.parley;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.parley.bench.load.ClientSession;
import org.parley.bench.load.LoadMetrics;
import org.parley.bench.load.Payload;
import org.parley.protocol.Padding;
import org.parley.protocol.v1.Ack;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Deliver;
import org.parley.protocol.v1.Ping;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.SendToken;
import org.parley.protocol.v1.ServerFrame;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One Parley device: answers the server's {@code Challenge} with a {@code Register} signed by a
 * fresh Ed25519 key, with a mailbox key and an access key, then sends {@code Send} frames with the
 * load payload, opens every {@code Deliver} with its mailbox key (latency is measured to the opened
 * payload), and acknowledges them in one {@code Ack} per read burst. Sealed, it first opens its
 * anonymous connection on the same event loop and fills its token wallet, and then sends every
 * message there; answers to those sends that are errors are counted.
 */
final class ParleySession extends ClientSession {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long REGISTER_REQUEST = 1;
    private static final long PING_INTERVAL_SECONDS = 45;

    private final ParleyDriver driver;
    private final ParleyDriver.Options options;
    private final DeviceKeys keys;
    private final SendTokenWallet wallet = new SendTokenWallet(RANDOM);
    private final List<Long> unacknowledged = new ArrayList<>();
    /** Requests of this signed-in connection whose answers someone waits for (token requests); event loop only. */
    private final Map<Long, CompletableFuture<ServerFrame>> pending = new HashMap<>();
    private long nextRequestId = REGISTER_REQUEST + 1;
    private boolean registered;
    private boolean refilling;
    private ParleyConnection anonymous;
    private ScheduledFuture<?> keepAlive;

    ParleySession(int index, LoadMetrics metrics, ParleyDriver driver) {
        super(index, metrics);
        this.driver = driver;
        this.options = driver.options();
        this.keys = new DeviceKeys(RANDOM);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            fail(ctx, "parley: WebSocket handshake timed out");
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long now = System.nanoTime();
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (!(frame instanceof BinaryWebSocketFrame)) {
                metrics.error("parley: non-binary WebSocket frame");
                return;
            }
            ServerFrame serverFrame = parse(frame.content());
            handle(ctx, serverFrame, now);
        } catch (InvalidProtocolBufferException e) {
            fail(ctx, "parley: malformed ServerFrame");
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!unacknowledged.isEmpty()) {
            // Posted (request_id 0), as the Parley client does: the server answers only a failure.
            write(ctx, ClientFrame.newBuilder().setAck(Ack.newBuilder().addAllEnvelopeIds(unacknowledged)).build());
            unacknowledged.clear();
        }
        ctx.flush();
    }

    private static ServerFrame parse(ByteBuf content) throws InvalidProtocolBufferException {
        try {
            return ServerFrame.parseFrom(new ByteBufInputStream(content));
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
    }

    private void handle(ChannelHandlerContext ctx, ServerFrame frame, long now) {
        CompletableFuture<ServerFrame> waiting = frame.getRequestId() == 0 ? null : pending.remove(frame.getRequestId());
        if (waiting != null) {
            waiting.complete(frame);
            return;
        }
        switch (frame.getBodyCase()) {
            case CHALLENGE -> register(ctx, frame.getChallenge().getNonce().toByteArray());
            case AUTHENTICATED -> {
                if (!registered && frame.getRequestId() == REGISTER_REQUEST) {
                    registered = true;
                    driver.registered(index, frame.getAuthenticated().getAccountId(), frame.getAuthenticated().getDeviceId(),
                            keys.accessKey());
                    keepAlive(ctx);
                    if (options.sealed()) {
                        openAnonymous(ctx);
                    } else {
                        loggedIn();
                    }
                }
            }
            case DELIVER -> {
                Deliver deliver = frame.getDeliver();
                unacknowledged.add(deliver.getEnvelopeId());
                received(deliver.getPayload(), now);
            }
            case ERROR -> {
                String kind = "parley: " + frame.getError().getCode();
                if (!registered) {
                    fail(ctx, kind + " while registering");
                } else {
                    metrics.error(kind);
                }
            }
            default -> {
                // SendAccepted, Ok, MailboxDrained, Pong: nothing to measure
            }
        }
    }

    /** Opens the copy with the mailbox key, removes the padding, and hands the payload to the metrics. */
    private void received(ByteString sealed, long now) {
        byte[] opened;
        try {
            opened = keys.openDelivered(sealed);
        } catch (IllegalArgumentException e) {
            metrics.error("parley: a delivered copy does not open with the mailbox key");
            return;
        }
        try {
            byte[] content = options.padded() ? Padding.unpad(opened) : opened;
            metrics.received(Payload.fromBytes(ByteBuffer.wrap(content)), now);
        } catch (IllegalArgumentException e) {
            metrics.error("parley: a delivered payload is not padded to a bucket");
        } catch (Payload.MalformedPayloadException e) {
            metrics.error("parley: delivered payload is not a load payload");
        }
    }

    private void register(ChannelHandlerContext ctx, byte[] nonce) {
        if (registered) {
            return;
        }
        write(ctx, ClientFrame.newBuilder().setRequestId(REGISTER_REQUEST)
                .setRegister(keys.register(driver.username(index), nonce, null)).build());
        ctx.flush();
    }

    /**
     * The second connection, from the same source address on the same event loop, which never
     * signs in; then the first tokens. Only then is the client ready to send.
     */
    private void openAnonymous(ChannelHandlerContext ctx) {
        InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
        ParleyConnection.open(driver.endpoint(), ctx.channel().eventLoop(), ctx.channel().getClass(), local.getAddress(),
                        this::anonymousFrame)
                .thenCompose(connection -> {
                    anonymous = connection;
                    connection.channel().closeFuture().addListener(f -> {
                        if (registered && channel().isActive()) {
                            metrics.error("parley: the anonymous connection closed");
                        }
                    });
                    return wallet.fill(this::request, connection, options.tokensPerClient());
                })
                .whenComplete((added, failure) -> {
                    if (failure == null) {
                        loggedIn();
                    } else {
                        fail(ctx, "parley: sealed sending not ready: " + reason(failure));
                    }
                });
    }

    /**
     * A request on the signed-in connection whose answer is awaited. Called on the event loop only:
     * the anonymous connection shares it, so every answer that leads here completes there.
     */
    private CompletableFuture<ServerFrame> request(ClientFrame.Builder frame) {
        CompletableFuture<ServerFrame> answer = new CompletableFuture<>();
        long id = nextRequestId++;
        pending.put(id, answer);
        channel().writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame.setRequestId(id).build().toByteArray())));
        return answer;
    }

    /** Answers on the anonymous connection that no one waits for: sealed sends' SendAccepted or Error. */
    private void anonymousFrame(ServerFrame frame) {
        if (frame.hasError()) {
            metrics.error("parley: " + frame.getError().getCode() + " (sealed send)");
        }
    }

    private static String reason(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    /**
     * The server closes connections that send nothing for two minutes; an idle load client pings
     * well within that (spread out so that 100,000 clients do not ping at once).
     */
    private void keepAlive(ChannelHandlerContext ctx) {
        long first = ThreadLocalRandom.current().nextLong(PING_INTERVAL_SECONDS * 1000);
        keepAlive = ctx.executor().scheduleAtFixedRate(() -> {
            write(ctx, ClientFrame.newBuilder().setRequestId(nextRequestId++).setPing(Ping.getDefaultInstance()).build());
            ctx.flush();
        }, first, PING_INTERVAL_SECONDS * 1000, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (keepAlive != null) {
            keepAlive.cancel(false);
        }
        super.channelInactive(ctx);
    }

    @Override
    public int send(int[] recipients, Payload payload, int size) {
        byte[] messageId = new byte[16];
        ThreadLocalRandom.current().nextBytes(messageId);
        byte[] content = payload.toBytes(size);
        Send.Builder send = Send.newBuilder()
                .setMessageId(ByteString.copyFrom(messageId))
                .setPayload(ByteString.copyFrom(options.padded() ? Padding.pad(content) : content));
        for (int recipient : recipients) {
            send.addRecipients(driver.recipient(recipient));
        }
        if (!options.sealed()) {
            channel().write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(
                    ClientFrame.newBuilder().setRequestId(nextRequestId++).setSend(send).build().toByteArray())));
            return recipients.length;
        }
        SendToken token = wallet.take();
        refillWhenLow();
        if (token == null) {
            metrics.error("parley: no send token left");
            return 0;
        }
        anonymous.write(ClientFrame.newBuilder().setSend(send.setSealed(true).setToken(token)));
        return recipients.length;
    }

    /** Tops the wallet up in the background once a quarter of the first fill is left. */
    private void refillWhenLow() {
        if (refilling || wallet.size() > options.tokensPerClient() / 4) {
            return;
        }
        refilling = true;
        wallet.fill(this::request, anonymous, options.tokensPerClient()).whenComplete((added, failure) -> {
            refilling = false;
            if (failure != null) {
                metrics.error("parley: more send tokens refused: " + reason(failure));
            }
        });
    }

    @Override
    public void flush() {
        super.flush();
        if (anonymous != null) {
            anonymous.flush();
        }
    }

    @Override
    public void close() {
        super.close();
        if (anonymous != null) {
            anonymous.close();
        }
    }

    private static void write(ChannelHandlerContext ctx, ClientFrame frame) {
        ctx.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame.toByteArray())));
    }
}
