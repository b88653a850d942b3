package org.parley.bench.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One audio stream of the benchmark: a sender socket and a receiver socket, 50 frames per
 * second from one to the other through the relay under test. Control replies (JOINED, STUN
 * responses) complete the pending request of the socket they arrive on; media frames that
 * reach the receiver are timed.
 */
final class BenchStream {
    static final int MAGIC = 0x50524C59;

    final int id;
    Channel sender;
    Channel receiver;
    int sequence;
    /** Per-path state, for example the TURN channel number. */
    Object pathState;
    final Endpoint senderEndpoint = new Endpoint();
    final Endpoint receiverEndpoint = new Endpoint();

    BenchStream(int id) {
        this.id = id;
    }

    InetSocketAddress receiverAddress() {
        return (InetSocketAddress) receiver.localAddress();
    }

    /** The handler of one of the stream's sockets. */
    static final class Endpoint extends SimpleChannelInboundHandler<DatagramPacket> {
        private volatile CompletableFuture<byte[]> pending;

        /** Sends a control request and completes with the first reply, retrying twice on silence. */
        CompletableFuture<byte[]> request(Channel channel, byte[] message, InetSocketAddress to) {
            CompletableFuture<byte[]> result = new CompletableFuture<>();
            attempt(channel, message, to, result, 3);
            return result;
        }

        private void attempt(Channel channel, byte[] message, InetSocketAddress to, CompletableFuture<byte[]> result,
                             int attemptsLeft) {
            CompletableFuture<byte[]> reply = new CompletableFuture<>();
            pending = reply;
            channel.writeAndFlush(new DatagramPacket(channel.alloc().buffer(message.length).writeBytes(message), to));
            reply.orTimeout(2, TimeUnit.SECONDS).whenComplete((bytes, error) -> {
                if (error == null) {
                    result.complete(bytes);
                } else if (attemptsLeft > 1) {
                    attempt(channel, message, to, result, attemptsLeft - 1);
                } else {
                    result.completeExceptionally(error);
                }
            });
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            var content = packet.content();
            int at = content.readerIndex();
            int offset = content.readableBytes() >= 21 && content.getInt(at) == MAGIC ? 0
                    : content.readableBytes() >= 22 && content.getInt(at + 1) == MAGIC ? 1 : -1;
            if (offset >= 0) {
                long sentNanos = content.getLong(at + offset + 12);
                RelayBench.meter().recordDelay(System.nanoTime() - sentNanos);
                return;
            }
            CompletableFuture<byte[]> reply = pending;
            if (reply != null) {
                byte[] bytes = new byte[content.readableBytes()];
                content.getBytes(at, bytes);
                reply.complete(bytes);
            }
        }
    }
}
