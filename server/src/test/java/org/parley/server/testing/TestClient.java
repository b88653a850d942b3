package org.parley.server.testing;

import com.google.protobuf.ByteString;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.parley.protocol.Auth;
import org.parley.protocol.MailboxSeal;
import org.parley.protocol.v1.Authenticate;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Register;
import org.parley.protocol.v1.Deliver;
import org.parley.protocol.v1.ServerFrame;

import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A real WebSocket client for tests, on Netty: sends ClientFrames (or raw bytes, to test bad
 * input) and queues every ServerFrame it receives. It holds one device's Ed25519 key and signs the
 * server's challenge with it, and the device's mailbox key pair: every Deliver it receives is opened
 * with it (org.parley.protocol.MailboxSeal) before a test sees it, so each test that reads a payload
 * also checks that the server sealed the copy to this device. A copy that does not open reaches the
 * test as {@link #NOT_SEALED_TO_THIS_DEVICE} followed by the bytes received.
 */
public final class TestClient implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(20);
    private static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Channel channel;
    private final BlockingQueue<ServerFrame> received = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final AtomicLong requestIds = new AtomicLong();
    private final List<ServerFrame> backlog = new ArrayList<>();
    public static final String NOT_SEALED_TO_THIS_DEVICE = "NOT SEALED TO THIS DEVICE: ";
    private final Ed25519PrivateKeyParameters identity;
    private final byte[] challenge;
    /** {private, public}; replaced when this connection signs in as another client's device. */
    private volatile byte[][] mailboxKeys = MailboxSeal.generateKeyPair();
    public byte[] accountId;
    public byte[] deviceId;

    private TestClient(Channel channel, Ed25519PrivateKeyParameters identity, byte[] challenge) {
        this.channel = channel;
        this.identity = identity;
        this.challenge = challenge;
    }

    public static TestClient connect(int port) throws Exception {
        return connect(URI.create("ws://127.0.0.1:" + port + "/v1/ws"), null);
    }

    public static TestClient connect(URI uri, SslContext ssl) throws Exception {
        return connect(uri, ssl, new DefaultHttpHeaders());
    }

    /** Connects with extra headers on the WebSocket upgrade request (X-Forwarded-For, to test proxies). */
    public static TestClient connect(URI uri, SslContext ssl, HttpHeaders upgradeHeaders) throws Exception {
        return connect(uri, ssl, upgradeHeaders, null, null, null);
    }

    /**
     * Connects through a bridge ({@code parley proxy}): TLS to the bridge with {@code bridgeTls},
     * then the WebSocket's own TLS to {@code uri}'s server inside it.
     */
    public static TestClient connectThroughBridge(InetSocketAddress bridge, SslContext bridgeTls, URI uri, SslContext ssl)
            throws Exception {
        return connect(uri, ssl, new DefaultHttpHeaders(), bridge, bridgeTls, null);
    }

    /**
     * Connects as a browser does, by the tunnel ({@link org.parley.protocol.Tunnel}) at {@code uri}
     * (the WebSocket's path followed by /tunnel) whose hello must be signed by {@code serverKey}:
     * directly ({@code bridge} null), or through a bridge with {@code bridgeTls}, which runs TLS to
     * the server itself. The session inside works as on a WebSocket.
     */
    public static TestClient connectThroughTunnel(URI uri, byte[] serverKey, InetSocketAddress bridge, SslContext bridgeTls)
            throws Exception {
        return connect(uri, null, new DefaultHttpHeaders(), bridge, bridgeTls, serverKey);
    }

    private static TestClient connect(URI uri, SslContext ssl, HttpHeaders upgradeHeaders, InetSocketAddress bridge,
                                      SslContext bridgeTls, byte[] tunnelServerKey) throws Exception {
        BlockingQueue<ServerFrame> queue = new LinkedBlockingQueue<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri).version(WebSocketVersion.V13).customHeaders(upgradeHeaders)
                .maxFramePayloadLength(1 << 24).handleCloseFrames(false).build();
        CompletableFuture<Void> handshake = new CompletableFuture<>();
        Channel channel = new Bootstrap().group(GROUP).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (bridgeTls != null) {
                            ch.pipeline().addLast(bridgeTls.newHandler(ch.alloc(), bridge.getHostString(), bridge.getPort()));
                        }
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc(), uri.getHost(), uri.getPort()));
                        }
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16),
                                new WebSocketClientProtocolHandler(config));
                        if (tunnelServerKey != null) {
                            ch.pipeline().addLast(new TunnelSessionCodec(tunnelServerKey));
                        }
                        ch.pipeline().addLast(new SimpleChannelInboundHandler<WebSocketFrame>() {
                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                                if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                                    handshake.complete(null);
                                }
                                super.userEventTriggered(ctx, evt);
                            }

                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) throws Exception {
                                if (frame instanceof BinaryWebSocketFrame) {
                                    queue.add(ServerFrame.parseFrom(frame.content().nioBuffer()));
                                } else if (frame instanceof CloseWebSocketFrame close) {
                                    closed.complete(close.statusCode());
                                }
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                closed.complete(-1);
                                handshake.completeExceptionally(new IllegalStateException("connection closed before the handshake"));
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                handshake.completeExceptionally(cause);
                                ctx.close();
                            }
                        });
                    }
                }).connect(bridge != null ? bridge : new InetSocketAddress(uri.getHost(), uri.getPort())).sync().channel();
        handshake.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        ServerFrame first = queue.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        if (first == null || !first.hasChallenge()) {
            throw new AssertionError("expected a Challenge first, got " + first);
        }
        TestClient client = new TestClient(channel, new Ed25519PrivateKeyParameters(RANDOM), first.getChallenge().getNonce().toByteArray());
        queue.forEach(frame -> client.received.add(client.opened(frame)));
        // Frames arriving later go straight to the client's queue.
        queue.clear();
        channel.pipeline().removeLast();
        channel.pipeline().addLast(new SimpleChannelInboundHandler<WebSocketFrame>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) throws Exception {
                if (frame instanceof BinaryWebSocketFrame) {
                    client.received.add(client.opened(ServerFrame.parseFrom(frame.content().nioBuffer())));
                } else if (frame instanceof CloseWebSocketFrame close) {
                    client.closed.complete(close.statusCode());
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                client.closed.complete(-1);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close(); // tests that provoke a disconnect see it through awaitClosed()
            }
        });
        closed.thenAccept(client.closed::complete);
        return client;
    }

    /** A Deliver with its payload opened with this device's mailbox key; other frames as they are. */
    private ServerFrame opened(ServerFrame frame) {
        if (!frame.hasDeliver()) {
            return frame;
        }
        byte[] sealed = frame.getDeliver().getPayload().toByteArray();
        ByteString payload;
        try {
            payload = ByteString.copyFrom(MailboxSeal.open(mailboxKeys[0], mailboxKeys[1], sealed));
        } catch (IllegalArgumentException notForThisDevice) {
            payload = ByteString.copyFromUtf8(NOT_SEALED_TO_THIS_DEVICE).concat(ByteString.copyFrom(sealed));
        }
        ServerFrame.Builder opened = frame.toBuilder();
        opened.getDeliverBuilder().setPayload(payload);
        return opened.build();
    }

    /** This device's mailbox public key, as sent in Register and RequestLink. */
    public byte[] mailboxKey() {
        return mailboxKeys[1].clone();
    }

    public byte[] identityKey() {
        return identity.generatePublicKey().getEncoded();
    }

    public byte[] signChallenge() {
        return sign(identity, challenge);
    }

    public static byte[] sign(Ed25519PrivateKeyParameters key, byte[] challenge) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, key);
        byte[] content = Auth.signedContent(challenge);
        signer.update(content, 0, content.length);
        return signer.generateSignature();
    }

    public byte[] challenge() {
        return challenge.clone();
    }

    /** Registers a fresh account with this device; fails the test unless the server accepts. */
    public ServerFrame register(String username, byte[] accessKey, String invite) throws Exception {
        ServerFrame answer = request(ClientFrame.newBuilder().setRegister(Register.newBuilder()
                .setUsername(username).setIdentityKey(ByteString.copyFrom(identityKey()))
                .setMailboxKey(ByteString.copyFrom(mailboxKey()))
                .setInviteCode(invite == null ? "" : invite)
                .setAccessKey(accessKey == null ? ByteString.EMPTY : ByteString.copyFrom(accessKey))
                .setSignature(ByteString.copyFrom(signChallenge()))));
        if (answer.hasAuthenticated()) {
            accountId = answer.getAuthenticated().getAccountId().toByteArray();
            deviceId = answer.getAuthenticated().getDeviceId().toByteArray();
        }
        return answer;
    }

    /** Signs this connection in as the device another client registered or linked, with that device's keys. */
    public ServerFrame authenticateAs(TestClient device) throws Exception {
        return authenticateAs(device.accountId, device.deviceId, device.identity, device.mailboxKeys);
    }

    /** Signs this connection in as a device whose keys the test holds (a device made outside any client, e.g. by a fixture). */
    public ServerFrame authenticateAs(byte[] account, byte[] device, Ed25519PrivateKeyParameters deviceIdentity, byte[][] deviceMailboxKeys)
            throws Exception {
        mailboxKeys = deviceMailboxKeys; // before the request: mail may follow the answer at once
        ServerFrame answer = request(ClientFrame.newBuilder().setAuthenticate(Authenticate.newBuilder()
                .setAccountId(ByteString.copyFrom(account)).setDeviceId(ByteString.copyFrom(device))
                .setSignature(ByteString.copyFrom(sign(deviceIdentity, challenge)))));
        if (answer.hasAuthenticated()) {
            accountId = account;
            deviceId = device;
        }
        return answer;
    }

    /**
     * Signs this connection in as another client's device, replacing the device's mailbox key with
     * {@code mailboxKeys[1]} (Authenticate.mailbox_key); mail is opened with {@code mailboxKeys[0]} from now on.
     */
    public ServerFrame authenticateAs(TestClient device, byte[][] replacementMailboxKeys) throws Exception {
        byte[][] before = mailboxKeys;
        mailboxKeys = replacementMailboxKeys;
        ServerFrame answer = request(ClientFrame.newBuilder().setAuthenticate(Authenticate.newBuilder()
                .setAccountId(ByteString.copyFrom(device.accountId)).setDeviceId(ByteString.copyFrom(device.deviceId))
                .setSignature(ByteString.copyFrom(sign(device.identity, challenge)))
                .setMailboxKey(ByteString.copyFrom(replacementMailboxKeys[1]))));
        if (answer.hasAuthenticated()) {
            accountId = device.accountId;
            deviceId = device.deviceId;
        } else {
            mailboxKeys = before;
        }
        return answer;
    }

    /** The copies the server delivers (opened with this device's mailbox key) until it says the mailbox is drained. */
    public List<Deliver> drainMailbox() throws InterruptedException {
        List<Deliver> delivered = new ArrayList<>();
        for (ServerFrame frame = awaitFrame(f -> f.hasDeliver() || f.hasMailboxDrained()); frame.hasDeliver();
                frame = awaitFrame(f -> f.hasDeliver() || f.hasMailboxDrained())) {
            delivered.add(frame.getDeliver());
        }
        return delivered;
    }

    /** Sends a request and waits for the answer with the same request id; pushes stay queued. */
    public ServerFrame request(ClientFrame.Builder frame) throws Exception {
        long id = requestIds.incrementAndGet();
        send(frame.setRequestId(id).build());
        return awaitFrame(f -> f.getRequestId() == id);
    }

    public void send(ClientFrame frame) {
        channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame.toByteArray())));
    }

    public void sendRaw(byte[] bytes) {
        ByteBuf buffer = Unpooled.wrappedBuffer(bytes);
        channel.writeAndFlush(new BinaryWebSocketFrame(buffer));
    }

    public void sendText(String text) {
        channel.writeAndFlush(new TextWebSocketFrame(text));
    }

    /** A text frame of any bytes, valid UTF-8 or not. */
    public void sendTextBytes(byte[] bytes) {
        channel.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
    }

    /** The first received frame matching {@code match}; frames skipped meanwhile stay available. */
    public ServerFrame awaitFrame(Predicate<ServerFrame> match) throws InterruptedException {
        return awaitFrame(match, WAIT);
    }

    public ServerFrame awaitFrame(Predicate<ServerFrame> match, Duration wait) throws InterruptedException {
        synchronized (backlog) {
            for (int i = 0; i < backlog.size(); i++) {
                if (match.test(backlog.get(i))) {
                    return backlog.remove(i);
                }
            }
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                ServerFrame frame = left > 0 ? received.poll(left, TimeUnit.NANOSECONDS) : null;
                if (frame == null) {
                    throw new AssertionError("no matching frame within " + wait + "; unmatched: " + backlog);
                }
                if (match.test(frame)) {
                    return frame;
                }
                backlog.add(frame);
            }
        }
    }

    /** Null when no frame matches within {@code wait}. */
    public ServerFrame pollFrame(Predicate<ServerFrame> match, Duration wait) throws InterruptedException {
        try {
            return awaitFrame(match, wait);
        } catch (AssertionError noneArrived) {
            return null;
        }
    }

    /** Waits until the server closes the connection; returns the close status or -1 without one. */
    public int awaitClosed() throws Exception {
        return closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Stops reading from the socket, as a stalled or slow peer does. */
    public void stopReading() {
        channel.config().setAutoRead(false);
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
    }
}
