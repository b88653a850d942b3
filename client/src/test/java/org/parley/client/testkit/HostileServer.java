package org.parley.client.testkit;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import org.parley.client.net.ServerAddress;
import org.parley.protocol.Limits;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ServerFrame;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The operator as an active adversary (ARCHITECTURE.md, threat model): a WebSocket relay that
 * clients take for their server, in front of a real one. Every frame passes through the rules a
 * test installs, which may read it, drop it, change it, send something else in its place, or
 * answer a client without asking the real server. Together with the real server's own store
 * ({@link LiveServer#store()}, the operator's database) it can do whatever an operator can.
 *
 * <p>Only the WebSocket is relayed; attachments and the media relay are not.
 */
public final class HostileServer implements AutoCloseable {
    /** What a rule may do with one client's connection. */
    public interface Link {
        /** The device signed in on this connection (from its Authenticate), or null before. */
        ByteString deviceId();

        /** Sends a frame to the client as if the server had sent it. */
        void toClient(ServerFrame frame);

        /** Sends a frame to the real server as if the client had sent it. */
        void toServer(ClientFrame frame);

        /** Drops the connection, on both sides, as a network failure would. */
        void close();
    }

    /** A rule: returns true when it handled the frame (dropped, replaced or answered it itself). */
    public interface Rule<F> {
        boolean intercept(Link link, F frame);
    }

    private final ServerAddress upstream;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Channel listener;
    private final List<Rule<ClientFrame>> clientRules = new CopyOnWriteArrayList<>();
    private final List<Rule<ServerFrame>> serverRules = new CopyOnWriteArrayList<>();
    private final List<LinkImpl> links = new CopyOnWriteArrayList<>();

    public HostileServer(ServerAddress upstream) throws InterruptedException {
        this.upstream = upstream;
        WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(ServerAddress.WEBSOCKET_PATH).maxFramePayloadLength(Limits.MAX_CLIENT_FRAME_BYTES).build();
        this.listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.config().setAutoRead(false);
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 16),
                                new WebSocketServerProtocolHandler(config), new ClientSide());
                        ch.read();
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    /** Where clients that take this relay for their server connect. */
    public ServerAddress address() {
        return new ServerAddress("127.0.0.1", ((InetSocketAddress) listener.localAddress()).getPort(), false);
    }

    /** Installs a rule for frames from clients; rules run in the order installed. */
    public void onClientFrame(Rule<ClientFrame> rule) {
        clientRules.add(rule);
    }

    /** Installs a rule for frames from the real server to clients. */
    public void onServerFrame(Rule<ServerFrame> rule) {
        serverRules.add(rule);
    }

    /** Removes every rule: from now on the relay is honest. */
    public void beHonest() {
        clientRules.clear();
        serverRules.clear();
    }

    /** The connections of the device {@code deviceId} open now. */
    public List<Link> linksOf(ByteString deviceId) {
        return links.stream().filter(l -> deviceId.equals(l.deviceId())).map(l -> (Link) l).toList();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        links.forEach(LinkImpl::close);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static BinaryWebSocketFrame frame(MessageLite message) {
        return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(message.toByteArray()));
    }

    /** One client's connection and its own connection to the real server. */
    private final class LinkImpl implements Link {
        private final Channel client;
        private final List<ClientFrame> early = new ArrayList<>();
        private volatile Channel server;
        private volatile ByteString deviceId;

        LinkImpl(Channel client) {
            this.client = client;
        }

        @Override
        public ByteString deviceId() {
            return deviceId;
        }

        @Override
        public void toClient(ServerFrame frame) {
            client.writeAndFlush(frame(frame));
        }

        @Override
        public void toServer(ClientFrame frame) {
            client.eventLoop().execute(() -> {
                if (server == null) {
                    early.add(frame);
                } else {
                    server.writeAndFlush(frame(frame));
                }
            });
        }

        void fromClient(ClientFrame frame) {
            if (frame.hasAuthenticate()) {
                deviceId = frame.getAuthenticate().getDeviceId();
            }
            for (Rule<ClientFrame> rule : clientRules) {
                if (rule.intercept(this, frame)) {
                    return;
                }
            }
            toServer(frame);
        }

        void fromServer(ServerFrame frame) {
            if (frame.hasAuthenticated() && deviceId == null) {
                deviceId = frame.getAuthenticated().getDeviceId();
            }
            for (Rule<ServerFrame> rule : serverRules) {
                if (rule.intercept(this, frame)) {
                    return;
                }
            }
            toClient(frame);
        }

        void connectUpstream() {
            URI uri = upstream.webSocketUri();
            WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder().webSocketUri(uri)
                    .version(WebSocketVersion.V13).customHeaders(new DefaultHttpHeaders())
                    .maxFramePayloadLength(Limits.MAX_CLIENT_FRAME_BYTES).build();
            new Bootstrap().group(client.eventLoop()).channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16),
                                    new WebSocketClientProtocolHandler(config), new ServerSide(LinkImpl.this));
                        }
                    }).connect(upstream.host(), upstream.port()).addListener(done -> {
                        if (!done.isSuccess()) {
                            client.close();
                        }
                    });
        }

        /** Runs on the client channel's event loop once the real server accepted the WebSocket. */
        void upstreamReady(Channel ready) {
            server = ready;
            early.forEach(f -> ready.writeAndFlush(frame(f)));
            early.clear();
            client.config().setAutoRead(true);
        }

        @Override
        public void close() {
            client.close();
            Channel up = server;
            if (up != null) {
                up.close();
            }
        }
    }

    private final class ClientSide extends SimpleChannelInboundHandler<WebSocketFrame> {
        private LinkImpl link;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                link = new LinkImpl(ctx.channel());
                links.add(link);
                link.connectUpstream();
            } else {
                super.userEventTriggered(ctx, event);
            }
            ctx.read();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (!(frame instanceof BinaryWebSocketFrame) || link == null) {
                return;
            }
            try {
                link.fromClient(ClientFrame.parseFrom(frame.content().nioBuffer()));
            } catch (InvalidProtocolBufferException e) {
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (link != null) {
                links.remove(link);
                link.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static final class ServerSide extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final LinkImpl link;

        ServerSide(LinkImpl link) {
            this.link = link;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                link.upstreamReady(ctx.channel());
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (!(frame instanceof BinaryWebSocketFrame)) {
                return;
            }
            try {
                link.fromServer(ServerFrame.parseFrom(frame.content().nioBuffer()));
            } catch (InvalidProtocolBufferException e) {
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            link.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
