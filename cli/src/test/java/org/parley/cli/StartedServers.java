package org.parley.cli;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.parley.server.testing.TestClient;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The `parley server` processes and raw clients one test started, ended together after it (a JUnit
 * extension: {@code @RegisterExtension final StartedServers started = new StartedServers();}).
 */
final class StartedServers implements AfterEachCallback {
    private final List<ServerProcess> servers = new ArrayList<>();
    private final List<TestClient> clients = new ArrayList<>();

    /**
     * A server on a free port, or on {@code port} when it is not 0 (where a restarted server comes
     * back); its standard error goes to server-N.err beside {@code data}.
     */
    ServerProcess startOn(int port, Path data, String db, String... options) throws Exception {
        ServerProcess server = ServerProcess.startOn(port, data, db, data.resolveSibling("server-" + servers.size() + ".err"), options);
        servers.add(server);
        return server;
    }

    ServerProcess start(Path data, String db, String... options) throws Exception {
        return startOn(0, data, db, options);
    }

    TestClient connect(int port) throws Exception {
        TestClient client = TestClient.connect(port);
        clients.add(client);
        return client;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        clients.forEach(TestClient::close);
        servers.forEach(ServerProcess::close);
    }
}
