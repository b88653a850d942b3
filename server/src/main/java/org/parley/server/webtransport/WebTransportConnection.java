package org.parley.server.webtransport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;
import org.parley.server.calls.MediaSink;
import org.parley.server.calls.Relay;
import org.parley.server.calls.RelayConnection;
import org.parley.server.webtransport.WebTransportServer.WebTransportStats;

import java.net.InetSocketAddress;
import java.util.function.Predicate;

/**
 * One QUIC connection of {@link WebTransportServer}: at most one WebTransport session, opened by an
 * extended CONNECT on a request stream and alive until that stream ends. Its HTTP datagrams go to
 * a {@link RelayConnection} as relay datagrams; what the relay sends back leaves as HTTP datagrams
 * on the same session. Datagrams for any other stream, and any before the session, are dropped.
 * Handles the QUIC channel's reads (the DATAGRAM frames) on its event loop.
 */
final class WebTransportConnection extends ChannelInboundHandlerAdapter implements MediaSink {
    private static final String DRAFT_HEADER = "sec-webtransport-http3-draft";

    private final QuicChannel quic;
    private final Relay relay;
    private final WebTransportStats stats;
    private final Predicate<InetSocketAddress> ownAddress;
    /** The session's request stream id, or -1 before the CONNECT and after it ended. */
    private volatile long sessionStreamId = -1;
    private RelayConnection relayConnection;

    WebTransportConnection(QuicChannel quic, Relay relay, WebTransportStats stats, Predicate<InetSocketAddress> ownAddress) {
        this.quic = quic;
        this.relay = relay;
        this.stats = stats;
        this.ownAddress = ownAddress;
    }

    /** A handler for one new request stream (Netty creates a stream channel per request). */
    Http3RequestStreamInboundHandler requestHandler() {
        return new RequestHandler();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf datagram)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            long streamId = HttpDatagrams.readStreamId(datagram);
            RelayConnection session = relayConnection;
            if (streamId < 0 || streamId != sessionStreamId || session == null) {
                stats.datagramsDropped.increment();
                return;
            }
            stats.datagramsReceived.increment();
            session.receive(datagram);
        } finally {
            datagram.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        endSession();
        ctx.fireChannelInactive();
    }

    /** The relay's datagrams for this participant, from any thread; QUIC may drop them under congestion, as UDP would. */
    @Override
    public void send(ByteBuf datagram) {
        try {
            long streamId = sessionStreamId;
            if (streamId < 0 || !quic.isActive()) {
                stats.datagramsDropped.increment();
                return;
            }
            quic.writeAndFlush(HttpDatagrams.encode(quic.alloc(), streamId, datagram)).addListener(done -> {
                if (done.isSuccess()) {
                    stats.datagramsSent.increment();
                } else {
                    stats.datagramsDropped.increment();
                }
            });
        } finally {
            datagram.release();
        }
    }

    private boolean openSession(long streamId) {
        if (sessionStreamId >= 0) {
            return false;
        }
        sessionStreamId = streamId;
        relayConnection = new RelayConnection(relay, this, quic.alloc(), ownAddress);
        stats.sessionsOpened.increment();
        return true;
    }

    private void endSession() {
        RelayConnection session = relayConnection;
        relayConnection = null;
        sessionStreamId = -1;
        if (session != null) {
            session.close();
        }
    }

    private final class RequestHandler extends Http3RequestStreamInboundHandler {
        private boolean isSession;

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
            QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
            Http3Headers request = frame.headers();
            if (isSession) {
                return; // trailers on the session stream: nothing to do
            }
            if (!isWebTransportConnect(request)) {
                stats.sessionsRefused.increment();
                answer(stream, "404", true);
            } else if (!openSession(stream.streamId())) {
                stats.sessionsRefused.increment();
                answer(stream, "429", true);
            } else {
                isSession = true;
                answer(stream, "200", false);
            }
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
            // Capsules (draft section 5) on the session stream; the session ends with the stream, so none matter here.
            ReferenceCountUtil.release(frame);
        }

        @Override
        protected void channelInputClosed(ChannelHandlerContext ctx) {
            if (isSession) {
                endSession();
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (isSession) {
                isSession = false;
                endSession();
            }
            super.channelInactive(ctx);
        }

        private static boolean isWebTransportConnect(Http3Headers request) {
            return HttpMethod.CONNECT.asciiName().contentEquals(request.method())
                    && request.protocol() != null && "webtransport".contentEquals(request.protocol())
                    && request.path() != null && WebTransportServer.PATH.contentEquals(request.path());
        }

        private static void answer(QuicStreamChannel stream, String status, boolean last) {
            Http3Headers headers = new DefaultHttp3Headers().status(status);
            if (status.equals("200")) {
                // Draft 02 clients check it; later drafts ignore it.
                headers.set(DRAFT_HEADER, "draft02");
            }
            var written = stream.writeAndFlush(new DefaultHttp3HeadersFrame(headers));
            if (last) {
                written.addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
            }
        }
    }
}
