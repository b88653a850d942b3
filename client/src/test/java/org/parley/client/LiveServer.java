package org.parley.client;

import org.parley.client.net.ServerAddress;
import org.parley.server.ParleyServer;
import org.parley.server.ServerConfig;
import org.parley.server.storage.Store;
import org.parley.server.storage.StoreConfig;

import java.util.OptionalInt;
import java.nio.file.Path;

/** A real Parley server on an ephemeral loopback port over a SQLite store in a temp folder. */
public final class LiveServer implements AutoCloseable {
    private final Path dataDirectory;
    private Store store;
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
        this.dataDirectory = dataDirectory;
        this.store = Store.open(StoreConfig.forDataDirectory(dataDirectory, null));
        this.server = ParleyServer.start(ServerConfig.defaults().withListen("127.0.0.1", 0).withCalls(calls), store);
    }

    /** Stops the server (every connection drops) and starts it again on the same port and data. */
    public void restart() throws Exception {
        int port = server.address().getPort();
        close();
        store = Store.open(StoreConfig.forDataDirectory(dataDirectory, null));
        server = ParleyServer.start(ServerConfig.defaults().withListen("127.0.0.1", port)
                .withCalls(ServerConfig.Calls.defaults().withMediaPort(OptionalInt.of(0))), store);
    }

    public Store store() {
        return store;
    }

    public ServerAddress address() {
        return new ServerAddress("127.0.0.1", server.address().getPort(), false);
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
