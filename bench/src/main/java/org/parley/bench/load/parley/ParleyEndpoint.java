package org.parley.bench.load.parley;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import org.parley.client.net.ServerAddress;
import org.parley.protocol.Limits;

import javax.net.ssl.SSLException;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * Where a Parley server's WebSocket ({@code /v1/ws}) is and the codecs a connection to it needs:
 * TLS for a {@code https://} server (trusting what the JVM trusts, unless given a context), the
 * HTTP upgrade, and binary frames up to the protocol's largest client frame; through a bridge
 * ({@code parley proxy}), TLS to the bridge first and the server's own TLS inside it.
 */
public final class ParleyEndpoint {
    /** As long as the WebSocket handshake may take: a generator sharing its cores with the server is slow at opening many at once. */
    private static final long TLS_HANDSHAKE_TIMEOUT_MILLIS = 60_000;

    private final ServerAddress address;
    private final URI uri;
    /** Where connections go: the server, or the bridge in front of it. */
    private final InetSocketAddress server;
    /** The TLS client context of a {@code https://} server, else null. */
    private final SslContext ssl;
    /** The TLS client context for the bridge, else null (direct). */
    private final SslContext bridgeTls;

    private ParleyEndpoint(ServerAddress address, SslContext ssl, InetSocketAddress connectTo, SslContext bridgeTls) {
        this.address = address;
        this.uri = address.webSocketUri();
        this.server = connectTo;
        this.ssl = ssl;
        this.bridgeTls = bridgeTls;
    }

    private ParleyEndpoint(ServerAddress address, SslContext ssl) {
        this(address, ssl, new InetSocketAddress(address.host(), address.port()), null);
    }

    /** A {@code https://} server whose certificate {@code serverTls} trusts. */
    public static ParleyEndpoint of(ServerAddress address, SslContext serverTls) {
        return new ParleyEndpoint(address, serverTls);
    }

    /** The same server reached through the bridge at {@code bridge}, whose certificate {@code bridgeTls} trusts. */
    public ParleyEndpoint throughBridge(InetSocketAddress bridge, SslContext bridgeTls) {
        return new ParleyEndpoint(address, ssl, bridge, bridgeTls);
    }

    public static ParleyEndpoint of(ServerAddress address) {
        if (!address.tls()) {
            return new ParleyEndpoint(address, null);
        }
        try {
            return new ParleyEndpoint(address, SslContextBuilder.forClient().build());
        } catch (SSLException e) {
            throw new IllegalStateException("TLS is not available in this Java runtime: " + e.getMessage(), e);
        }
    }

    /** The TCP address connections go to: the server's, or its bridge's. */
    public InetSocketAddress server() {
        return server;
    }

    /** Adds TLS (for {@code https://}), the WebSocket upgrade and frame aggregation to a fresh connection. */
    public void addCodecs(ChannelPipeline pipeline) {
        if (bridgeTls != null) {
            pipeline.addLast(tls(bridgeTls, pipeline, server.getHostString(), server.getPort()));
        }
        if (ssl != null) {
            pipeline.addLast(tls(ssl, pipeline, address.host(), address.port()));
        }
        pipeline.addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
                        .webSocketUri(uri)
                        .maxFramePayloadLength(Limits.MAX_CLIENT_FRAME_BYTES)
                        .handshakeTimeoutMillis(TLS_HANDSHAKE_TIMEOUT_MILLIS)
                        .build()),
                new WebSocketFrameAggregator(Limits.MAX_CLIENT_FRAME_BYTES));
    }

    private static SslHandler tls(SslContext context, ChannelPipeline pipeline, String host, int port) {
        SslHandler handler = context.newHandler(pipeline.channel().alloc(), host, port);
        handler.setHandshakeTimeoutMillis(TLS_HANDSHAKE_TIMEOUT_MILLIS);
        return handler;
    }
}
