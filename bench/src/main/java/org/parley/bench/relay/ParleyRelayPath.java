package org.parley.bench.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import org.parley.server.calls.CallId;
import org.parley.server.calls.CallTokens;
import org.parley.server.calls.RelayDatagram;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * Streams through Parley's UDP relay: each stream is a call whose sender and receiver join with
 * tokens, in authenticated JOINs ({@link org.parley.server.calls.JoinDatagram}).
 */
final class ParleyRelayPath implements RelayPath {
    private final InetSocketAddress relay;
    private final CallTokens tokens;

    ParleyRelayPath(InetSocketAddress relay, CallTokens tokens) {
        this.relay = relay;
        this.tokens = tokens;
    }

    @Override
    public String name() {
        return "parley";
    }

    private static CallId callOf(BenchStream stream) {
        return new CallId(0x7061726c6579L, stream.id);
    }

    @Override
    public CompletableFuture<Void> setUp(BenchStream stream) {
        byte[] receiverJoin = join(tokens.issue(callOf(stream), 1));
        byte[] senderJoin = join(tokens.issue(callOf(stream), 0));
        return stream.receiverEndpoint.request(stream.receiver, receiverJoin, relay)
                .thenCompose(joined -> stream.senderEndpoint.request(stream.sender, senderJoin, relay))
                .thenAccept(joined -> {
                    if (joined[0] != RelayDatagram.JOINED) {
                        throw new IllegalStateException("relay answered JOIN with type " + joined[0]);
                    }
                });
    }

    /** A JOIN as a device sends it: MACed with the token's join key (the bench holds the server secret). */
    private byte[] join(byte[] token) {
        return RelayDatagram.join(token, tokens.joinKey(token), relay);
    }

    @Override
    public InetSocketAddress destination(BenchStream stream) {
        return relay;
    }

    @Override
    public void writePrefix(ByteBuf out, BenchStream stream, int payloadBytes) {
        out.writeByte(RelayDatagram.MEDIA);
    }

    /** A receiver only listens, so it PINGs, or the relay would drop it as idle after 30 s. */
    @Override
    public void keepAlive(BenchStream stream) {
        stream.receiver.writeAndFlush(new DatagramPacket(stream.receiver.alloc().buffer(RelayDatagram.PING_BYTES)
                .writeByte(RelayDatagram.PING).writeLong(stream.id), relay));
    }

    @Override
    public void tearDown(BenchStream stream) {
        for (Channel channel : new Channel[]{stream.sender, stream.receiver}) {
            channel.writeAndFlush(new DatagramPacket(channel.alloc().buffer(1).writeByte(RelayDatagram.LEAVE), relay));
        }
    }
}
