package org.parley.cli;

import org.parley.server.ParleyServer;
import org.parley.server.ServerConfig;
import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;

import java.util.OptionalInt;
import java.nio.file.Path;

/** A real Parley server on an ephemeral loopback port over a SQLite store in a temp folder. */
final class LiveServer implements AutoCloseable {
    private final ServerStores store;
    private final ParleyServer server;

    LiveServer(Path dataDirectory) throws Exception {
        this(dataDirectory, OptionalInt.of(0));
    }

    /** With the call relay's UDP port {@code mediaPort} (0: any free one; empty: no UDP, WebSocket only). */
    LiveServer(Path dataDirectory, OptionalInt mediaPort) throws Exception {
        this.store = ServerStores.open(StoreConfig.forDataDirectory(dataDirectory, null));
        this.server = ParleyServer.start(ServerConfig.defaults().withListen("127.0.0.1", 0)
                .withCalls(ServerConfig.Calls.defaults().withMediaPort(mediaPort)), store);
    }

    String url() {
        return "http://127.0.0.1:" + server.address().getPort();
    }

    @Override
    public void close() {
        server.close();
        store.close();
    }
}
