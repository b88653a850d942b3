package org.parley.bench.relay;

import io.netty.buffer.ByteBuf;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * Streams through a TURN server (RFC 8656), the minimal client side: the sender allocates a
 * relayed address with long-term credentials, binds channel 0x4000 to the receiver's address
 * (ChannelBind also installs the permission), then sends ChannelData; the server relays each
 * frame as a plain UDP datagram from the relayed address to the receiver. That is one relay
 * hop, the same shape as a stream through Parley's relay.
 */
final class TurnRelayPath implements RelayPath {
    private static final int CHANNEL = 0x4000;
    private static final int UDP = 17;

    private final InetSocketAddress server;
    private final String username;
    private final String password;

    /** The realm, nonce and key a stream's allocation authenticates with. */
    private record Credentials(String realm, String nonce, byte[] key) {
    }

    TurnRelayPath(InetSocketAddress server, String username, String password) {
        this.server = server;
        this.username = username;
        this.password = password;
    }

    @Override
    public String name() {
        return "coturn";
    }

    @Override
    public CompletableFuture<Void> setUp(BenchStream stream) {
        StunMessage probe = StunMessage.request(StunMessage.ALLOCATE).withInt(StunMessage.REQUESTED_TRANSPORT, UDP << 24);
        return stream.senderEndpoint.request(stream.sender, probe.encode(null), server)
                .thenCompose(reply -> {
                    StunMessage challenge = StunMessage.decode(reply);
                    if (challenge.errorCode() != 401) {
                        throw new IllegalStateException("TURN Allocate without credentials got " + challenge.errorCode());
                    }
                    String realm = challenge.string(StunMessage.REALM);
                    Credentials credentials = new Credentials(realm, challenge.string(StunMessage.NONCE),
                            StunMessage.longTermKey(username, realm, password));
                    stream.pathState = credentials;
                    StunMessage allocate = authenticated(StunMessage.request(StunMessage.ALLOCATE)
                            .withInt(StunMessage.REQUESTED_TRANSPORT, UDP << 24), credentials);
                    return stream.senderEndpoint.request(stream.sender, allocate.encode(credentials.key()), server);
                })
                .thenCompose(reply -> {
                    expectSuccess(reply, "Allocate");
                    Credentials credentials = (Credentials) stream.pathState;
                    StunMessage bind = authenticated(StunMessage.request(StunMessage.CHANNEL_BIND)
                            .withInt(StunMessage.CHANNEL_NUMBER, CHANNEL << 16)
                            .withXorAddress(StunMessage.XOR_PEER_ADDRESS, stream.receiverAddress()), credentials);
                    return stream.senderEndpoint.request(stream.sender, bind.encode(credentials.key()), server);
                })
                .thenAccept(reply -> expectSuccess(reply, "ChannelBind"));
    }

    private StunMessage authenticated(StunMessage request, Credentials credentials) {
        return request.withString(StunMessage.USERNAME, username).withString(StunMessage.REALM, credentials.realm())
                .withString(StunMessage.NONCE, credentials.nonce());
    }

    private static void expectSuccess(byte[] reply, String what) {
        StunMessage response = StunMessage.decode(reply);
        if (!response.isSuccess()) {
            throw new IllegalStateException("TURN " + what + " failed with error " + response.errorCode());
        }
    }

    @Override
    public InetSocketAddress destination(BenchStream stream) {
        return server;
    }

    /** ChannelData header (RFC 8656 Section 12.4): channel number and length. */
    @Override
    public void writePrefix(ByteBuf out, BenchStream stream, int payloadBytes) {
        out.writeShort(CHANNEL).writeShort(payloadBytes);
    }

    /** An allocation lives 10 minutes and a channel binding 10, longer than a run: nothing to refresh. */
    @Override
    public void keepAlive(BenchStream stream) {
    }

    /** Refresh with LIFETIME 0 deletes the allocation. */
    @Override
    public void tearDown(BenchStream stream) {
        if (stream.pathState instanceof Credentials credentials) {
            StunMessage refresh = authenticated(StunMessage.request(StunMessage.REFRESH)
                    .withInt(StunMessage.LIFETIME, 0), credentials);
            byte[] bytes = refresh.encode(credentials.key());
            stream.sender.writeAndFlush(new io.netty.channel.socket.DatagramPacket(
                    stream.sender.alloc().buffer(bytes.length).writeBytes(bytes), server));
        }
    }
}
