package org.parley.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.parley.server.testing.TestClient;

/** The `parley server` processes and test clients a test started, closed together at its end. */
final class ServersAndClients implements AutoCloseable {
    private final Path logFolder;
    private final List<ServerProcess> servers = new ArrayList<>();
    private final List<TestClient> clients = new ArrayList<>();

    ServersAndClients(Path logFolder) {
        this.logFolder = logFolder;
    }

    /** A server on {@code data} and database {@code db}, its standard error in server-N.err. */
    ServerProcess start(Path data, String db) throws Exception {
        ServerProcess server = ServerProcess.start(data, db, logFolder.resolve("server-" + servers.size() + ".err"));
        servers.add(server);
        return server;
    }

    TestClient connect(int port) throws Exception {
        TestClient client = TestClient.connect(port);
        clients.add(client);
        return client;
    }

    @Override
    public void close() {
        clients.forEach(TestClient::close);
        servers.forEach(ServerProcess::close);
    }
}
