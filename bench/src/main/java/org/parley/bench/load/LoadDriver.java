package org.parley.bench.load;

import io.netty.channel.ChannelPipeline;

import java.net.InetSocketAddress;

/** A server protocol the generator can drive: where to connect and how one client speaks. */
public interface LoadDriver extends AutoCloseable {

    /** Short name for output, e.g. {@code parley} or {@code ejabberd}. */
    String name();

    /** The server's TCP address (loopback). */
    InetSocketAddress server();

    /** Work before any client connects, e.g. creating the accounts of {@code clients} devices. */
    default void prepare(int clients) throws Exception {
    }

    /**
     * Seconds a client may take to log in, on a loaded machine: the connect phase waits at most
     * this times the number of clients (at least a minute). Drivers that do more than a login
     * before a client is ready (tokens, a second connection) say so here.
     */
    default double loginSecondsPerClient() {
        return 0.02;
    }

    /** Adds the protocol's codecs to a fresh connection; the session is added after them. */
    default void addCodecs(ChannelPipeline pipeline) {
    }

    /** The session of client {@code index} (0-based). */
    ClientSession newSession(int index, LoadMetrics metrics);

    @Override
    default void close() {
    }
}
