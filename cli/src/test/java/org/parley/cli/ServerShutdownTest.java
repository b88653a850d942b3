package org.parley.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.testing.TestClient;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** SIGTERM: `parley server` says goodbye to its clients (close 1012, service restart), stores what is queued and exits. */
class ServerShutdownTest {
    @TempDir
    Path tempDir;

    @Test
    void sigtermClosesConnectionsAndStops() throws Exception {
        Path data = tempDir.resolve("data");
        try (ServerProcess server = ServerProcess.start(data, "sqlite:" + data.resolve("parley.db"), tempDir.resolve("server.err"));
             TestClient alice = TestClient.connect(server.port)) {
            assertThat(alice.register("alice", null, null).hasAuthenticated()).isTrue();
            alice.awaitFrame(ServerFrame::hasMailboxDrained);
            server.process.destroy(); // SIGTERM
            assertThat(alice.awaitClosed()).isEqualTo(1012);
            assertThat(server.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(server.log()).contains("stopped");
        }
    }
}
