package org.parley.bench.relay;

import io.netty.buffer.ByteBuf;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * The baseline: each sender sends straight to its receiver, no relay. What this path measures
 * is the generator's own and the loopback's share of the delay, to be subtracted from a relay
 * path's delay to estimate the delay the relay adds.
 */
final class DirectPath implements RelayPath {
    @Override
    public String name() {
        return "direct";
    }

    @Override
    public CompletableFuture<Void> setUp(BenchStream stream) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public InetSocketAddress destination(BenchStream stream) {
        return stream.receiverAddress();
    }

    @Override
    public void writePrefix(ByteBuf out, BenchStream stream, int payloadBytes) {
    }

    @Override
    public void keepAlive(BenchStream stream) {
    }

    @Override
    public void tearDown(BenchStream stream) {
    }
}
