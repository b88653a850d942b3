package org.parley.client;

import org.parley.client.net.ServerAddress;
import org.parley.server.ParleyServer;
import org.parley.server.ServerConfig;
import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;

import java.util.OptionalInt;
import java.nio.file.Path;

/**
 * A real Parley server over a SQLite store in a temp folder: on an ephemeral loopback port in
 * process, or as configured (the network-namespace tests run one on a veth address with TLS).
 */
public final class LiveServer implements AutoCloseable {
    private final Path dataDirectory;
    private ServerConfig config;
    private ServerStores store;
    private ParleyServer server;

    public LiveServer(Path dataDirectory) throws Exception {
        this(dataDirectory, OptionalInt.of(0));
    }

    /** With the call relay's UDP port {@code mediaPort} (0: any free one; empty: no UDP, WebSocket only). */
    public LiveServer(Path dataDirectory, OptionalInt mediaPort) throws Exception {
        this(dataDirectory, ServerConfig.Calls.defaults().withMediaPort(mediaPort));
    }

    /** With these call settings (relay port, token lifetime). */
    public LiveServer(Path dataDirectory, ServerConfig.Calls calls) throws Exception {
        this(dataDirectory, ServerConfig.defaults().withListen("127.0.0.1", 0).withCalls(calls));
    }

    public LiveServer(Path dataDirectory, ServerConfig config) throws Exception {
        this.dataDirectory = dataDirectory;
        this.config = config;
        this.store = ServerStores.open(StoreConfig.forDataDirectory(dataDirectory, null));
        this.server = ParleyServer.start(config, store);
    }

    /**
     * Stops the server (every connection drops) and starts it again on the same port and data; a
     * relay that took any free UDP port takes any free one again.
     */
    public void restart() throws Exception {
        int port = server.address().getPort();
        close();
        config = config.withListen(config.host(), port);
        store = ServerStores.open(StoreConfig.forDataDirectory(dataDirectory, null));
        server = ParleyServer.start(config, store);
    }

    public ServerStores store() {
        return store;
    }

    public ServerAddress address() {
        return new ServerAddress(config.host(), server.address().getPort(), config.tls().isPresent());
    }

    /** The call relay's bound UDP port, or empty when it serves WebSockets only. */
    public OptionalInt mediaPort() {
        return server.mediaAddress().map(a -> OptionalInt.of(a.getPort())).orElse(OptionalInt.empty());
    }

    public String url() {
        return address().toString();
    }

    @Override
    public void close() {
        server.close();
        store.close();
    }
}
