package org.parley.bench.relay;

import io.netty.buffer.ByteBuf;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/** How a benchmark stream's frames get from its sender socket to its receiver socket through a relay. */
interface RelayPath {
    String name();

    /** Admits the stream at the relay (join, allocation, channel binding). */
    CompletableFuture<Void> setUp(BenchStream stream);

    /** Where the sender sends its frames. */
    InetSocketAddress destination(BenchStream stream);

    /** Writes what precedes the payload in a frame the sender sends. */
    void writePrefix(ByteBuf out, BenchStream stream, int payloadBytes);

    /** Keeps the stream's relay state alive; called every few seconds on the sender's event loop. */
    void keepAlive(BenchStream stream);

    /** Releases what {@link #setUp} took at the relay. */
    void tearDown(BenchStream stream);
}
