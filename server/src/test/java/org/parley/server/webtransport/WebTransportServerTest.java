package org.parley.server.webtransport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.parley.server.calls.CallId;
import org.parley.server.calls.CallTokens;
import org.parley.server.calls.RelayDatagram;
import org.parley.server.calls.Relay;
import org.parley.server.calls.RelayLimits;
import org.parley.server.ratelimit.ConnectionLimits;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The listener against Netty's own HTTP/3 client (QUIC with datagrams, certificate not checked:
 * the browser pins it by hash, tested in web/e2e/webtransport.spec.ts): requests that are not a
 * WebTransport CONNECT are refused, a connection gets one session, and hostile datagrams are
 * dropped while the listener keeps serving.
 */
class WebTransportServerTest {
    private static CallTokens tokens;
    private static Relay relay;
    private static WebTransportServer server;
    private static EventLoopGroup group;
    private static Channel client;

    @BeforeAll
    static void start() throws Exception {
        tokens = CallTokens.withRandomSecret(new SecureRandom(), Clock.systemUTC(), Duration.ofMinutes(5));
        relay = new Relay(tokens, RelayLimits.defaults());
        server = WebTransportServer.start(relay, new InetSocketAddress("127.0.0.1", 0), Clock.systemUTC());
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        client = clientSocket(new InetSocketAddress("127.0.0.1", 0));
    }

    /** A UDP socket at {@code local} that Netty's HTTP/3 client makes QUIC connections from. */
    private static Channel clientSocket(InetSocketAddress local) throws InterruptedException {
        var codec = Http3.newQuicClientCodecBuilder()
                .sslContext(QuicSslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                        .applicationProtocols(Http3.supportedApplicationProtocols()).build())
                .maxIdleTimeout(10, TimeUnit.SECONDS)
                .initialMaxData(1 << 20).initialMaxStreamDataBidirectionalLocal(1 << 16)
                .datagram(64, 64)
                .build();
        return new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(codec).bind(local).sync().channel();
    }

    @AfterAll
    static void stop() {
        client.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        server.close();
    }

    private static QuicChannel connect() throws Exception {
        return connect(client, server);
    }

    private static QuicChannel connect(Channel from, WebTransportServer to) throws Exception {
        return QuicChannel.newBootstrap(from).handler(new Http3ClientConnectionHandler())
                .remoteAddress(to.localAddress()).connect().get(10, TimeUnit.SECONDS);
    }

    /** A new QUIC connection from {@code from} that opens a session: the connection, or null when the listener would not have it. */
    private static QuicChannel session(Channel from, WebTransportServer to) {
        try {
            QuicChannel quic = connect(from, to);
            CompletableFuture<Http3Headers> answer = request(quic, connectRequest("webtransport", WebTransportServer.PATH));
            quic.closeFuture().addListener(closed -> answer.completeExceptionally(new IllegalStateException("the server closed the connection")));
            if ("200".equals(answer.get(10, TimeUnit.SECONDS).status().toString())) {
                return quic;
            }
            quic.close().sync();
            return null;
        } catch (Exception refused) {
            return null;
        }
    }

    /** Sends a request on a new stream; completes with the answer's :status (the stream stays open). */
    private static CompletableFuture<Http3Headers> request(QuicChannel quic, Http3Headers headers) throws Exception {
        CompletableFuture<Http3Headers> answer = new CompletableFuture<>();
        QuicStreamChannel stream = Http3.newRequestStream(quic, new Http3RequestStreamInboundHandler() {
            @Override
            protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
                answer.complete(frame.headers());
            }

            @Override
            protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
                ReferenceCountUtil.release(frame);
            }

            @Override
            protected void channelInputClosed(ChannelHandlerContext ctx) {
            }
        }).get(10, TimeUnit.SECONDS);
        stream.writeAndFlush(new DefaultHttp3HeadersFrame(headers)).sync();
        return answer;
    }

    private static Http3Headers connectRequest(String protocol, String path) {
        return new DefaultHttp3Headers().method("CONNECT").protocol(protocol).scheme("https").authority("localhost").path(path);
    }

    private static String status(CompletableFuture<Http3Headers> answer) throws Exception {
        return answer.get(10, TimeUnit.SECONDS).status().toString();
    }

    private static long counter(String name) {
        return server.counters().get("webtransport_" + name);
    }

    @Test
    void opensOneSessionPerConnectionAndRefusesEverythingElse() throws Exception {
        QuicChannel quic = connect();
        long refused = counter("sessions_refused");
        assertThat(status(request(quic, new DefaultHttp3Headers().method("GET").scheme("https").authority("localhost")
                .path(WebTransportServer.PATH)))).isEqualTo("404");
        assertThat(status(request(quic, connectRequest("websocket", WebTransportServer.PATH)))).isEqualTo("404");
        assertThat(status(request(quic, connectRequest("webtransport", "/elsewhere")))).isEqualTo("404");
        quic.close().sync();
        // A new connection: the listener grants few request streams (4) per connection.
        quic = connect();
        Http3Headers accepted = request(quic, connectRequest("webtransport", WebTransportServer.PATH)).get(10, TimeUnit.SECONDS);
        assertThat(accepted.status().toString()).isEqualTo("200");
        assertThat(accepted.get("sec-webtransport-http3-draft").toString()).isEqualTo("draft02");
        assertThat(status(request(quic, connectRequest("webtransport", WebTransportServer.PATH)))).isEqualTo("429");
        assertThat(counter("sessions_refused") - refused).isEqualTo(4);
        quic.close().sync();
    }

    /** An HTTP datagram for the session on stream 0 (quarter stream id 0) carrying {@code relayDatagram}. */
    private static void sendOnSession(QuicChannel quic, byte[] relayDatagram) throws InterruptedException {
        quic.writeAndFlush(Unpooled.buffer().writeByte(0).writeBytes(relayDatagram)).sync();
    }

    @Test
    void onlyAJoinMacedWithTheTokensKeyAdmitsAndIsAnsweredOnTheSession() throws Exception {
        QuicChannel quic = connect();
        BlockingQueue<byte[]> answers = new LinkedBlockingQueue<>();
        quic.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf datagram) {
                    answers.add(ByteBufUtil.getBytes(datagram));
                }
                ReferenceCountUtil.release(msg);
            }
        });
        assertThat(status(request(quic, connectRequest("webtransport", WebTransportServer.PATH)))).isEqualTo("200");
        CallTokens.Issued issued = tokens.issueFor(CallId.random(new SecureRandom()), 42);
        InetSocketAddress here = server.localAddress();
        // A thief with the token but not this device's JOIN key, and a JOIN meant for another port: refused, no answer.
        sendOnSession(quic, RelayDatagram.join(issued.token(), new byte[32], here));
        sendOnSession(quic, RelayDatagram.join(issued.token(), issued.joinKey(), new InetSocketAddress(here.getAddress(), here.getPort() + 1)));
        assertThat(answers.poll(1, TimeUnit.SECONDS)).isNull();
        assertThat(relay.activeParticipants()).isZero();

        sendOnSession(quic, RelayDatagram.join(issued.token(), issued.joinKey(), here));
        byte[] joined = answers.poll(10, TimeUnit.SECONDS);
        assertThat(joined).isNotNull();
        // Quarter stream id 0, then JOINED with participant id 42.
        assertThat(joined).containsExactly(0, RelayDatagram.JOINED, 0, 0, 0, 42);
        assertThat(relay.activeParticipants()).isEqualTo(1);
        quic.close().sync();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (relay.activeParticipants() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(relay.activeParticipants()).as("the participant leaves with its connection").isZero();
    }

    @Test
    void hostileDatagramsAreDroppedAndTheListenerKeepsServing() throws Exception {
        QuicChannel before = connect();
        // Datagrams before any session: no stream to belong to.
        long dropped = counter("datagrams_dropped");
        long received = counter("datagrams_received");
        before.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {0x00, 0x04, 1, 2, 3, 4, 5, 6, 7, 8})).sync();
        CompletableFuture<Http3Headers> session = request(before, connectRequest("webtransport", WebTransportServer.PATH));
        assertThat(status(session)).isEqualTo("200");
        // A truncated varint, a quarter stream id naming another stream, one beyond 2^62.
        for (byte[] hostile : new byte[][] {{(byte) 0xc0, 0, 0}, {0x07, 0x03}, {(byte) 0xd0, 0, 0, 0, 0, 0, 0, 0, 0x03}}) {
            before.writeAndFlush(Unpooled.wrappedBuffer(hostile)).sync();
        }
        // The session's own stream (the first request stream, id 0): junk and an unjoined PING reach the relay, which drops them.
        before.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {0x00, 0x7f, 1})).sync();
        before.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {0x00, 0x04, 1, 2, 3, 4, 5, 6, 7, 8})).sync();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((counter("datagrams_dropped") - dropped < 4 || counter("datagrams_received") - received < 2)
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(counter("datagrams_dropped") - dropped).isEqualTo(4);
        assertThat(counter("datagrams_received") - received).isEqualTo(2);
        assertThat(relay.activeParticipants()).isZero();

        QuicChannel after = connect();
        assertThat(status(request(after, connectRequest("webtransport", WebTransportServer.PATH)))).isEqualTo("200");
        after.close().sync();
        before.close().sync();
    }

    @Test
    void aFloodOfConnectionsFromOneAddressIsCutWhileAnotherAddressStillGetsIn() throws Exception {
        WebTransportServer limited = WebTransportServer.start(relay, new InetSocketAddress("127.0.0.1", 0), Clock.systemUTC(),
                new ConnectionLimits(2, 100));
        Channel flooder = clientSocket(new InetSocketAddress("127.0.0.1", 0));
        Channel neighbour = clientSocket(new InetSocketAddress("127.0.0.2", 0));
        List<QuicChannel> held = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                held.add(session(flooder, limited));
            }
            assertThat(held).as("the address's budget: two connections, a session each").doesNotContainNull();
            int flood = 5;
            for (int i = 0; i < flood; i++) {
                assertThat(session(flooder, limited)).as("connection %d over the budget", i + 1).isNull();
            }
            assertThat(limited.counters().get("webtransport_connections_refused")).isEqualTo(flood);

            QuicChannel other = session(neighbour, limited);
            assertThat(other).as("another address still gets a session").isNotNull();
            held.add(other);
            // A connection that ends gives its place back.
            held.remove(0).close().sync();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            QuicChannel again = null;
            while (again == null && System.nanoTime() < deadline) {
                again = session(flooder, limited);
            }
            assertThat(again).as("the address gets in again once one of its connections closed").isNotNull();
            held.add(again);
        } finally {
            for (QuicChannel quic : held) {
                if (quic != null) {
                    quic.close().sync();
                }
            }
            flooder.close().sync();
            neighbour.close().sync();
            limited.close();
        }
    }
}
