package org.parley.client.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.socksx.v5.DefaultSocks5CommandResponse;
import io.netty.handler.codec.socksx.v5.DefaultSocks5InitialResponse;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import io.netty.handler.codec.socksx.v5.Socks5AuthMethod;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequest;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import io.netty.handler.codec.socksx.v5.Socks5CommandType;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequest;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5ServerEncoder;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small proxy for tests, SOCKS5 (RFC 1928, no authentication) or HTTP CONNECT, on 127.0.0.1. It
 * connects only to the names it was given ({@code names}: name to the address it stands for), so
 * a client that reaches a server by such a name can only have come through it: the name resolves
 * nowhere else. It counts the connections it took and records what each asked for.
 */
public final class TestProxy implements AutoCloseable {
    public enum Kind { SOCKS5, HTTP_CONNECT }

    /** What a client asked the proxy to connect to: the host as sent, whether it was a name, and the port. */
    public record Request(String host, boolean byName, int port) {
    }

    private final Kind kind;
    private final Map<String, String> names;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel listener;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    private TestProxy(Kind kind, Map<String, String> names) throws InterruptedException {
        this.kind = kind;
        this.names = Map.copyOf(names);
        this.listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        if (kind == Kind.SOCKS5) {
                            ch.pipeline().addLast(Socks5ServerEncoder.DEFAULT, new Socks5InitialRequestDecoder(), new Socks5Greeting());
                        } else {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192), new HttpConnect());
                        }
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    /** A proxy of {@code kind} that reaches each name of {@code names} at the address given for it. */
    public static TestProxy start(Kind kind, Map<String, String> names) throws InterruptedException {
        return new TestProxy(kind, names);
    }

    /** The route a client takes through this proxy. */
    public Route route() {
        int port = ((InetSocketAddress) listener.localAddress()).getPort();
        return kind == Kind.SOCKS5 ? new Route.Socks5("127.0.0.1", port) : new Route.HttpConnect("127.0.0.1", port);
    }

    /** How many connections clients opened to the proxy. */
    public int connections() {
        return connections.get();
    }

    /** What the clients asked for, in order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** Connects onwards when the name is one the proxy knows; {@code done} gets the peer, or null. */
    private void connect(Channel client, String host, int port, java.util.function.Consumer<Channel> done) {
        String address = names.get(host);
        if (address == null) {
            done.accept(null);
            return;
        }
        client.config().setAutoRead(false);
        new Bootstrap().group(client.eventLoop()).channel(NioSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(address, port).addListener((ChannelFutureListener) f -> done.accept(f.isSuccess() ? f.channel() : null));
    }

    /** Joins the two channels: each one's bytes go to the other; when one closes, so does the other. */
    private static void relay(Channel a, Channel b) {
        a.pipeline().addLast(new Relay(b));
        b.pipeline().addLast(new Relay(a));
        a.config().setAutoRead(true);
        b.config().setAutoRead(true);
    }

    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel peer;

        Relay(Channel peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            peer.writeAndFlush(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            peer.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private final class Socks5Greeting extends SimpleChannelInboundHandler<Object> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object message) {
            if (message instanceof Socks5InitialRequest) {
                ctx.pipeline().replace(Socks5InitialRequestDecoder.class, "command", new Socks5CommandRequestDecoder());
                ctx.writeAndFlush(new DefaultSocks5InitialResponse(Socks5AuthMethod.NO_AUTH));
            } else if (message instanceof Socks5CommandRequest request && request.type() == Socks5CommandType.CONNECT) {
                requests.add(new Request(request.dstAddr(), request.dstAddrType() == Socks5AddressType.DOMAIN, request.dstPort()));
                connect(ctx.channel(), request.dstAddr(), request.dstPort(), peer -> {
                    if (peer == null) {
                        ctx.writeAndFlush(new DefaultSocks5CommandResponse(Socks5CommandStatus.HOST_UNREACHABLE, Socks5AddressType.IPv4))
                                .addListener(ChannelFutureListener.CLOSE);
                        return;
                    }
                    ctx.writeAndFlush(new DefaultSocks5CommandResponse(Socks5CommandStatus.SUCCESS, Socks5AddressType.IPv4,
                            "127.0.0.1", 1)).addListener(f -> {
                                ctx.pipeline().remove(Socks5ServerEncoder.class);
                                ctx.pipeline().remove("command");
                                ctx.pipeline().remove(this);
                                relay(ctx.channel(), peer);
                            });
                });
            } else {
                ctx.close();
            }
        }
    }

    private final class HttpConnect extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            int colon = request.uri().lastIndexOf(':');
            if (request.method() != HttpMethod.CONNECT || colon < 0) {
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.METHOD_NOT_ALLOWED, Unpooled.EMPTY_BUFFER))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            String host = request.uri().substring(0, colon).replace("[", "").replace("]", "");
            int port = Integer.parseInt(request.uri().substring(colon + 1));
            requests.add(new Request(host, !Character.isDigit(host.charAt(0)) && host.indexOf(':') < 0, port));
            connect(ctx.channel(), host, port, peer -> {
                if (peer == null) {
                    ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FORBIDDEN, Unpooled.EMPTY_BUFFER))
                            .addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER))
                        .addListener(f -> {
                            ctx.pipeline().remove(HttpServerCodec.class);
                            ctx.pipeline().remove(HttpObjectAggregator.class);
                            ctx.pipeline().remove(this);
                            relay(ctx.channel(), peer);
                        });
            });
        }
    }
}
