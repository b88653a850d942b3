package org.parley.server.calls;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.FastThreadLocal;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The relay's UDP transport (default port {@value #DEFAULT_PORT}): one Netty datagram channel per
 * I/O thread on the same port (SO_REUSEPORT with epoll, so the kernel spreads clients over the
 * threads), a {@link Relay} behind them. Each datagram is handled by its first byte
 * ({@link RelayDatagram}); everything that is not a valid request of an admitted participant is
 * dropped and counted, after a per-IP budget that stops one source from flooding token checks.
 * An address becomes a participant's only with an authenticated, fresh JOIN ({@link JoinDatagram}):
 * a JOIN captured and sent again from elsewhere is refused, and the participant keeps its address.
 * Forwarded datagrams are written during the read batch and flushed once at its end, which with
 * epoll becomes one sendmmsg call.
 */
public final class UdpRelayServer implements AutoCloseable {
    public static final int DEFAULT_PORT = 7878;
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    private static final int RECEIVE_BYTES = 2048;
    /** How often idle participants and source budgets are swept. */
    private static final long SWEEP_SECONDS = 5;

    /** The channel whose I/O thread is running, so forwards go out through it without a thread hop. */
    private static final FastThreadLocal<ChannelHandlerContext> CURRENT = new FastThreadLocal<>();

    private final Relay relay;
    private final EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();
    /** Admitted endpoints by address; an address gets state only once its JOIN was accepted. */
    private final ConcurrentHashMap<InetSocketAddress, RelayConnection> sessions = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<InetAddress, TokenBucket> sourceBudgets = new ConcurrentHashMap<>();

    private UdpRelayServer(Relay relay, EventLoopGroup group) {
        this.relay = relay;
        this.group = group;
    }

    /**
     * Binds {@code threads} channels to {@code address} (port 0 picks a free port) and starts
     * relaying. With NIO (no epoll) a single channel is bound whatever {@code threads} says.
     */
    public static UdpRelayServer start(Relay relay, InetSocketAddress address, int threads) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        if (epoll && address.getPort() != 0) {
            refuseIfTaken(address);
        }
        int channelCount = epoll ? Math.max(1, threads) : 1;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(channelCount,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        UdpRelayServer server = new UdpRelayServer(relay, group);
        try {
            Bootstrap bootstrap = new Bootstrap().group(group)
                    .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
                    .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES)
                    .handler(server.new Handler());
            if (epoll) {
                bootstrap.channel(EpollDatagramChannel.class)
                        .option(EpollChannelOption.SO_REUSEPORT, true)
                        // Receive up to 16 datagrams per recvmmsg call.
                        .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, RECEIVE_BYTES)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(RECEIVE_BYTES * 16));
            } else {
                bootstrap.channel(NioDatagramChannel.class)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(RECEIVE_BYTES));
            }
            InetSocketAddress bound = address;
            for (int i = 0; i < channelCount; i++) {
                Channel channel = bootstrap.bind(bound).sync().channel();
                server.channels.add(channel);
                bound = (InetSocketAddress) channel.localAddress();
            }
            group.scheduleAtFixedRate(server::sweep, SWEEP_SECONDS, SWEEP_SECONDS, TimeUnit.SECONDS);
            return server;
        } catch (InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /**
     * With SO_REUSEPORT a second relay (another server on the same machine) would bind the same
     * port without error and silently take part of the traffic; a probe bound without the option
     * fails while the port is held, so the second one is refused instead.
     */
    private static void refuseIfTaken(InetSocketAddress address) {
        try (DatagramSocket probe = new DatagramSocket(address)) {
            probe.close();
        } catch (SocketException e) {
            throw new IllegalStateException("UDP port " + address.getPort() + " on " + address.getHostString()
                    + " is in use (another relay running?): " + e.getMessage());
        }
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channels.get(0).localAddress();
    }

    public Relay relay() {
        return relay;
    }

    /**
     * Whether a JOIN naming {@code named} as the relay it was sent to is meant for this relay: its
     * port must be this relay's, the one call tokens advertise. The IP address is covered by the
     * JOIN's MAC but not compared: the server never tells clients an address (they resolve its
     * host name), and behind a NAT or a forwarder the address a client sends to is not one the
     * relay can know. A JOIN for a relay of another server fails anyway: its token does not verify
     * under this server's secret.
     */
    boolean isOwnAddress(InetSocketAddress named) {
        return named.getPort() == localAddress().getPort();
    }

    /** Participants currently reached over UDP. */
    public int udpSessions() {
        return sessions.size();
    }

    /**
     * Whether an address keeps its session: its participant is in the call through it, or moved
     * to a WebSocket and may probe this address to come back. One that moved to another UDP
     * address has no use for the old one.
     */
    private static boolean stillAnswered(RelayConnection session) {
        RelayParticipant movedTo = session.movedTo();
        return session.participant() != null || movedTo != null && !(movedTo.sink instanceof UdpSink);
    }

    private void sweep() {
        relay.removeIdle();
        // A participant that moved to its WebSocket and then left: its old address is not detached again.
        sessions.values().removeIf(session -> !stillAnswered(session));
        long cutoff = relay.nanoTime() - TimeUnit.SECONDS.toNanos(SWEEP_SECONDS);
        sourceBudgets.values().removeIf(bucket -> bucket.lastUse() - cutoff < 0);
    }

    @Override
    public void close() {
        for (Channel channel : channels) {
            channel.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A participant reached at a UDP address. */
    private final class UdpSink implements MediaSink {
        private final Channel home;
        private final InetSocketAddress address;

        UdpSink(Channel home, InetSocketAddress address) {
            this.home = home;
            this.address = address;
        }

        @Override
        public void send(ByteBuf datagram) {
            ChannelHandlerContext current = CURRENT.get();
            if (current != null) {
                current.write(new DatagramPacket(datagram, address), current.voidPromise());
            } else {
                home.writeAndFlush(new DatagramPacket(datagram, address), home.voidPromise());
            }
        }

        /** The participant left, timed out or moved: forget the address unless it joined anew or still answers PINGs. */
        @Override
        public void detached() {
            sessions.computeIfPresent(address, (a, session) -> stillAnswered(session) ? session : null);
        }
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public boolean isSharable() {
            return true;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket packet = (DatagramPacket) msg;
            CURRENT.set(ctx);
            try {
                handle(ctx, packet.content(), packet.sender());
            } finally {
                CURRENT.remove();
                packet.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A datagram socket error (for example ICMP unreachable) concerns one peer; keep serving.
        }

        private void handle(ChannelHandlerContext ctx, ByteBuf content, InetSocketAddress sender) {
            RelayConnection session = sessions.get(sender);
            if (session != null) {
                session.receive(content);
                return;
            }
            RelayStats stats = relay.stats();
            int length = content.readableBytes();
            if (!stats.receivedWithin(length, relay.limits().maxDatagramBytes())
                    || !withinSourceBudget(sender.getAddress())) {
                return;
            }
            switch (length > 0 ? content.getByte(content.readerIndex()) : 0) {
                case RelayDatagram.JOIN -> {
                    RelayConnection joining = new RelayConnection(relay, new UdpSink(ctx.channel(), sender), ctx.alloc(),
                            UdpRelayServer.this::isOwnAddress);
                    joining.dispatch(content);
                    if (joining.participant() != null) {
                        sessions.put(sender, joining);
                    }
                }
                case RelayDatagram.MEDIA, RelayDatagram.PING, RelayDatagram.LEAVE -> stats.unknownSource.increment();
                default -> stats.junk.increment();
            }
        }

        private boolean withinSourceBudget(InetAddress source) {
            RelayLimits limits = relay.limits();
            long now = relay.nanoTime();
            TokenBucket bucket = sourceBudgets.get(source);
            if (bucket == null) {
                if (sourceBudgets.size() >= limits.maxTrackedSources()) {
                    relay.stats().sourceTableFull.increment();
                    return false;
                }
                bucket = sourceBudgets.computeIfAbsent(source,
                        s -> new TokenBucket(limits.sourcePacketsPerSecond(), limits.sourceBurst(), now));
            }
            if (!bucket.tryTake(now)) {
                relay.stats().sourceRateLimited.increment();
                return false;
            }
            return true;
        }
    }
}
