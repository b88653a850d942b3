package org.parley.server.testing;

import org.parley.server.ParleyServer;
import org.parley.server.ServerConfig;
import org.parley.server.ServerStores;
import org.parley.server.bus.NatsMessageBus;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Several server nodes of one deployment in this JVM: each a {@link ParleyServer} with its own
 * connections to one PostgreSQL schema ({@link StoreHarness}) and its own NATS connection
 * ({@link NatsMessageBus}, named {@code node-0}, {@code node-1}, ...) to a three-server
 * {@link NatsCluster}. Opening it skips the test without PostgreSQL or nats-server, as those do.
 *
 * <p>A call across nodes: sign a device in on node 0 and another on node 1, ask each node for a
 * call token for the same call id, and join each node's relay (its WebSocket or its UDP
 * {@link ParleyServer#mediaAddress}); the relays pass the media on between them.
 */
public final class ServerNodes implements AutoCloseable {
    private final StoreHarness harness;
    private final NatsCluster nats;
    private final List<ServerStores> stores = new ArrayList<>();
    private final List<ParleyServer> nodes = new ArrayList<>();

    private ServerNodes(StoreHarness harness, NatsCluster nats) {
        this.harness = harness;
        this.nats = nats;
    }

    /** {@code count} nodes with {@code config} (give it listen port 0 and media port 0 or none: they share the host). */
    public static ServerNodes start(Path temp, int count, ServerConfig config) throws Exception {
        StoreHarness harness = StoreHarness.open(Backend.POSTGRESQL, temp); // skips without PostgreSQL
        NatsCluster nats;
        try {
            nats = NatsCluster.start(temp);
        } catch (Exception | Error e) {
            harness.close();
            throw e;
        }
        ServerNodes nodes = new ServerNodes(harness, nats);
        try {
            for (int i = 0; i < count; i++) {
                ServerStores store = harness.openAnother();
                nodes.stores.add(store);
                nodes.nodes.add(ParleyServer.start(config, store, NatsMessageBus.connect(NatsMessageBus.parseUrls(nats.urls()), "node-" + i)));
            }
            return nodes;
        } catch (Exception | Error e) {
            nodes.close();
            throw e;
        }
    }

    public ParleyServer node(int index) {
        return nodes.get(index);
    }

    public int size() {
        return nodes.size();
    }

    public NatsCluster nats() {
        return nats;
    }

    @Override
    public void close() {
        nodes.forEach(ParleyServer::close);
        stores.forEach(ServerStores::close);
        nats.close();
        harness.close();
    }
}
