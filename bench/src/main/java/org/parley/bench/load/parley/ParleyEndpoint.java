package org.parley.bench.load.parley;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.parley.client.net.ServerAddress;
import org.parley.protocol.Limits;

import javax.net.ssl.SSLException;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * Where a Parley server's WebSocket ({@code /v1/ws}) is and the codecs a connection to it needs:
 * TLS for a {@code https://} server (trusting what the JVM trusts), the HTTP upgrade, and binary
 * frames up to the protocol's largest client frame.
 */
public final class ParleyEndpoint {

    private final ServerAddress address;
    private final URI uri;
    private final InetSocketAddress server;
    /** The TLS client context of a {@code https://} server, else null. */
    private final SslContext ssl;

    private ParleyEndpoint(ServerAddress address, SslContext ssl) {
        this.address = address;
        this.uri = address.webSocketUri();
        this.server = new InetSocketAddress(address.host(), address.port());
        this.ssl = ssl;
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

    /** The server's TCP address. */
    public InetSocketAddress server() {
        return server;
    }

    /** Adds TLS (for {@code https://}), the WebSocket upgrade and frame aggregation to a fresh connection. */
    public void addCodecs(ChannelPipeline pipeline) {
        if (ssl != null) {
            pipeline.addLast(ssl.newHandler(pipeline.channel().alloc(), address.host(), address.port()));
        }
        pipeline.addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
                        .webSocketUri(uri)
                        .maxFramePayloadLength(Limits.MAX_CLIENT_FRAME_BYTES)
                        .handshakeTimeoutMillis(60_000)
                        .build()),
                new WebSocketFrameAggregator(Limits.MAX_CLIENT_FRAME_BYTES));
    }
}
