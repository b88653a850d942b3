package org.parley.bench.load.parley;

import com.google.protobuf.ByteString;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.parley.bench.load.ClientSession;
import org.parley.bench.load.LoadDriver;
import org.parley.bench.load.LoadMetrics;
import org.parley.client.net.ServerAddress;
import org.parley.protocol.Limits;
import org.parley.protocol.v1.RecipientAccount;

import javax.net.ssl.SSLException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Drives a Parley server over its WebSocket protocol ({@code parley.v1}, one binary frame per
 * {@code ClientFrame}/{@code ServerFrame}). Every client registers a fresh account with its own
 * Ed25519 identity key when it connects (answering the server's challenge), so the run needs no
 * accounts prepared beforehand; a message names each recipient's account and device. With a
 * {@code https://} (or {@code wss://}) server the connections use TLS, trusting what the JVM trusts.
 */
public final class ParleyDriver implements LoadDriver {

    private final ServerAddress address;
    private final URI uri;
    private final InetSocketAddress server;
    /** The TLS client context of a {@code https://} server, else null. */
    private final SslContext ssl;
    /** Usernames of this run: {@code lb<tag>_<index>}, unique across runs against one server. */
    private final String usernamePrefix;
    /** Each client's account and device once it has registered; read by senders on other event loops. */
    private AtomicReferenceArray<RecipientAccount> recipients = new AtomicReferenceArray<>(0);

    private ParleyDriver(ServerAddress address, SslContext ssl) {
        this.address = address;
        this.uri = address.webSocketUri();
        this.server = new InetSocketAddress(address.host(), address.port());
        this.ssl = ssl;
        this.usernamePrefix = "lb" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + "_";
    }

    /** The driver for a server given as the other commands take it, e.g. {@code http://127.0.0.1:7878}. */
    public static ParleyDriver forServer(ServerAddress address) {
        if (!address.tls()) {
            return new ParleyDriver(address, null);
        }
        try {
            return new ParleyDriver(address, SslContextBuilder.forClient().build());
        } catch (SSLException e) {
            throw new IllegalStateException("TLS is not available in this Java runtime: " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "parley";
    }

    @Override
    public InetSocketAddress server() {
        return server;
    }

    @Override
    public void prepare(int clients) {
        recipients = new AtomicReferenceArray<>(clients);
    }

    @Override
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

    @Override
    public ClientSession newSession(int index, LoadMetrics metrics) {
        return new ParleySession(index, metrics, this);
    }

    String username(int index) {
        return usernamePrefix + index;
    }

    void registered(int index, ByteString accountId, ByteString deviceId) {
        recipients.set(index, RecipientAccount.newBuilder().setAccountId(accountId).addDeviceIds(deviceId).build());
    }

    /** How a Send names client {@code index}'s device. */
    RecipientAccount recipient(int index) {
        return recipients.get(index);
    }
}
