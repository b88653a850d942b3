package org.parley.bench.load.parley;

import com.google.protobuf.ByteString;
import io.netty.channel.ChannelPipeline;
import org.parley.bench.load.ClientSession;
import org.parley.bench.load.LoadDriver;
import org.parley.bench.load.LoadMetrics;
import org.parley.client.net.ServerAddress;
import org.parley.protocol.v1.RecipientAccount;

import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Drives a Parley server over its WebSocket protocol ({@code parley.v1}, one binary frame per
 * {@code ClientFrame}/{@code ServerFrame}). Every client registers a fresh account with its own
 * Ed25519 identity key, mailbox key and access key when it connects (answering the server's
 * challenge), so the run needs no accounts prepared beforehand; a message names each recipient's
 * account and device. Every client opens what it is delivered with its mailbox key.
 * {@link Options#sealed()}: each client also keeps an anonymous connection and sends every message
 * there, sealed, paying with a send token and showing the recipient's access key.
 * {@link Options#padded()}: payloads are padded to Padmé buckets before sending.
 * With a {@code https://} (or {@code wss://}) server the connections use TLS, trusting what the JVM trusts.
 */
public final class ParleyDriver implements LoadDriver {

    /**
     * @param sealed          send sealed on an anonymous connection, with send tokens and access keys
     * @param padded          pad payloads with {@link org.parley.protocol.Padding#pad}
     * @param tokensPerClient send tokens each client gets before the run starts (sealed only); it
     *                        fetches more in the background when a quarter is left
     */
    public record Options(boolean sealed, boolean padded, int tokensPerClient) {
        public static final Options PLAIN = new Options(false, false, 0);

        public Options {
            if (sealed && tokensPerClient < 1) {
                throw new IllegalArgumentException("sealed sending needs at least one send token per client");
            }
        }
    }

    private final ParleyEndpoint endpoint;
    private final Options options;
    /** Usernames of this run: {@code lb<tag>_<index>}, unique across runs against one server. */
    private final String usernamePrefix;
    /** Each client's account and device (with its access key when sealed) once it has registered; read by senders on other event loops. */
    private AtomicReferenceArray<RecipientAccount> recipients = new AtomicReferenceArray<>(0);

    private ParleyDriver(ParleyEndpoint endpoint, Options options) {
        this.endpoint = endpoint;
        this.options = options;
        this.usernamePrefix = "lb" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + "_";
    }

    /** The driver for a server given as the other commands take it, e.g. {@code http://127.0.0.1:7878}. */
    public static ParleyDriver forServer(ServerAddress address) {
        return forServer(address, Options.PLAIN);
    }

    public static ParleyDriver forServer(ServerAddress address, Options options) {
        return forEndpoint(ParleyEndpoint.of(address), options);
    }

    /** The driver for an endpoint of the caller's making (a server of its own certificate, or a bridge). */
    public static ParleyDriver forEndpoint(ParleyEndpoint endpoint, Options options) {
        return new ParleyDriver(endpoint, options);
    }

    @Override
    public String name() {
        if (options.sealed() && options.padded()) {
            return "parley sealed+padded";
        }
        return options.sealed() ? "parley sealed" : options.padded() ? "parley padded" : "parley";
    }

    @Override
    public InetSocketAddress server() {
        return endpoint.server();
    }

    /**
     * Registration, and with sealed sending a second connection and the blinding and signing of
     * each client's tokens: about 1.3 ms of CPU per token, client and server together, on an idle
     * machine; 10 ms are allowed, since the server signs them on a machine the generator shares.
     */
    @Override
    public double loginSecondsPerClient() {
        return LoadDriver.super.loginSecondsPerClient() + (options.sealed() ? 0.01 * options.tokensPerClient() : 0);
    }

    @Override
    public void prepare(int clients) {
        recipients = new AtomicReferenceArray<>(clients);
    }

    @Override
    public void addCodecs(ChannelPipeline pipeline) {
        endpoint.addCodecs(pipeline);
    }

    @Override
    public ClientSession newSession(int index, LoadMetrics metrics) {
        return new ParleySession(index, metrics, this);
    }

    ParleyEndpoint endpoint() {
        return endpoint;
    }

    Options options() {
        return options;
    }

    String username(int index) {
        return usernamePrefix + index;
    }

    void registered(int index, ByteString accountId, ByteString deviceId, ByteString accessKey) {
        RecipientAccount.Builder recipient = RecipientAccount.newBuilder().setAccountId(accountId).addDeviceIds(deviceId);
        if (options.sealed()) {
            recipient.setAccessKey(accessKey); // the sender knows it as a contact would
        }
        recipients.set(index, recipient.build());
    }

    /** How a Send names client {@code index}'s device. */
    RecipientAccount recipient(int index) {
        return recipients.get(index);
    }
}
