package org.parley.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreHarness;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.cli.ServerSettingsTest.parley;

/** {@code parley server --bus URLS --node-id NAME}: as flags, settings-file keys and PARLEY_* variables, and what they refuse. */
class SeveralNodesOptionsTest {
    private static final String NATS_PASSWORD = "s3cret-nats-password";
    private static final String NATS_TOKEN = "s3cret-nats-token";

    @TempDir
    Path dir;

    @Test
    void busAndNodeIdComeFromTheFileTheEnvironmentOrFlagsAndPrintWithoutCredentials() throws Exception {
        Path file = Files.writeString(dir.resolve("parley.toml"), "node-id = \"chat1\"\nbus = \"nats://10.0.0.1:4222\"\n");
        MainTest.Result fromFile = parley(Map.of(), "server", "--config", file.toString(), "--print-config");
        assertThat(fromFile.out()).contains("node-id = 'chat1'  # file " + file).contains("bus = 'nats://10.0.0.1:4222'  # file");

        MainTest.Result fromEnvironment = parley(Map.of("PARLEY_BUS", "nats://parley:" + NATS_PASSWORD + "@10.0.0.1:4222,nats://"
                        + NATS_TOKEN + "@10.0.0.2:4222", "PARLEY_NODE_ID", "chat2"), "server", "--config", file.toString(), "--print-config");
        assertThat(fromEnvironment.out())
                .contains("bus = 'nats://********@10.0.0.1:4222,nats://********@10.0.0.2:4222'  # environment PARLEY_BUS")
                .contains("node-id = 'chat2'  # environment PARLEY_NODE_ID")
                .doesNotContain(NATS_PASSWORD).doesNotContain(NATS_TOKEN);

        MainTest.Result fromFlags = parley(Map.of("PARLEY_NODE_ID", "chat2"), "server", "--node-id", "chat3", "--bus",
                "nats://127.0.0.1:4222", "--print-config");
        assertThat(fromFlags.out()).contains("node-id = 'chat3'  # flag --node-id").contains("bus = 'nats://127.0.0.1:4222'  # flag --bus");
        assertThat(parley(Map.of(), "server", "--print-config").out()).contains("# bus is not set (default)")
                .contains("# node-id is not set (default)");
    }

    @Test
    void aBusOverSqliteIsRefusedBeforeAnyDataIsMade() {
        Path data = dir.resolve("data");
        MainTest.Result result = parley(Map.of(), "server", "--data", data.toString(), "--bus", "nats://127.0.0.1:4222");
        assertThat(result.code()).isEqualTo(1);
        assertThat(result.err()).contains("a SQLite file cannot be shared between nodes").contains("--db postgresql://");
        assertThat(Files.exists(data)).isFalse();
    }

    @Test
    void badBusUrlsAndNodeIdsAreUserErrorsThatKeepCredentialsOut() {
        String db = "postgresql://127.0.0.1:1/none?user=nobody"; // never reached: the options are refused first
        Map<String, String> refusals = Map.of(
                "http://127.0.0.1:4222", "is not a NATS URL",
                "nats://127.0.0.1", "needs a host and a port",
                "nats://127.0.0.1:4222/path", "needs a host and a port and nothing after them",
                "nats://127.0.0.1:4222,,nats://127.0.0.1:4223", "an empty entry",
                "nats://u:" + NATS_PASSWORD + "@[bad", "is not a URL",
                "nats://" + NATS_TOKEN + "@:4222", "needs a host",
                ("nats://127.0.0.1:4222,").repeat(17) + "nats://127.0.0.1:4222", "at most 16");
        refusals.forEach((bus, message) -> {
            MainTest.Result result = parley(Map.of(), "server", "--data", dir.toString(), "--db", db, "--bus", bus);
            assertThat(result.code()).as(bus).isEqualTo(1);
            assertThat(result.err()).as(bus).contains(message).doesNotContain(NATS_PASSWORD).doesNotContain(NATS_TOKEN);
        });
        for (String nodeId : new String[] {"", "two words", "x".repeat(65), "node\u0007bell", "ünïcode"}) {
            MainTest.Result result = parley(Map.of(), "server", "--data", dir.toString(), "--db", db, "--bus", "nats://127.0.0.1:4222",
                    "--node-id", nodeId);
            assertThat(result.code()).as(nodeId).isEqualTo(1);
            assertThat(result.err()).as(nodeId).contains("--node-id takes 1 to 64 letters").doesNotContain("\u0007");
        }
    }

    @Test
    void aBusThatDoesNotAnswerIsNamedWithoutItsCredentials() throws Exception {
        try (StoreHarness harness = StoreHarness.open(Backend.POSTGRESQL, dir); // skips without PostgreSQL
             ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = closed.getLocalPort();
            closed.close(); // nothing listens there now
            MainTest.Result result = parley(Map.of(), "server", "--listen", "127.0.0.1:0", "--media-port", "0",
                    "--data", dir.resolve("data").toString(), "--db", harness.config().url().jdbcUrl(),
                    "--bus", "nats://parley:" + NATS_PASSWORD + "@127.0.0.1:" + port);
            assertThat(result.code()).isEqualTo(1);
            assertThat(result.err()).contains("cannot reach the message bus at nats://127.0.0.1:" + port)
                    .doesNotContain(NATS_PASSWORD);
        }
    }
}
