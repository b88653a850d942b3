package org.parley.bench.load.parley;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.parley.bench.load.LoadConfig;
import org.parley.bench.load.LoadRun;
import org.parley.bench.load.StepResult;
import org.parley.client.net.ServerAddress;
import org.parley.server.ParleyServer;
import org.parley.server.ServerConfig;
import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/** The load generator against a real server in this JVM, plain, sealed, padded and both. */
class ParleyLoadTest {

    @TempDir
    Path data;

    @ParameterizedTest(name = "sealed {0}, padded {1}")
    @CsvSource({"false, false", "true, false", "false, true", "true, true"})
    void everyMessageIsDeliveredAndOpenedWithoutErrors(boolean sealed, boolean padded) throws Exception {
        try (ServerStores stores = ServerStores.open(StoreConfig.forDataDirectory(data, null));
             ParleyServer server = ParleyServer.start(ServerConfig.defaults().withListen("127.0.0.1", 0)
                     .withCalls(ServerConfig.Calls.defaults().withMediaPort(OptionalInt.empty())), stores)) {
            ParleyDriver driver = ParleyDriver.forServer(ServerAddress.parse("http://127.0.0.1:" + server.address().getPort()),
                    new ParleyDriver.Options(sealed, padded, sealed ? 40 : 0));
            LoadConfig config = new LoadConfig(20, List.of(200.0), 256, 2, 0, false, 2, 40, 2, 20, 0, 10, 0,
                    ProcessHandle.current().pid());
            ByteArrayOutputStream progress = new ByteArrayOutputStream();
            List<StepResult> results = new LoadRun(config, driver, new PrintStream(progress, true, StandardCharsets.UTF_8))
                    .run(result -> { });
            StepResult step = results.get(0);
            String context = step.summary() + progress.toString(StandardCharsets.UTF_8);
            assertThat(step.target()).isEqualTo(sealed && padded ? "parley sealed+padded" : sealed ? "parley sealed"
                    : padded ? "parley padded" : "parley");
            assertThat(step.connected()).as(context).isEqualTo(20);
            assertThat(step.expected()).as(context).isGreaterThan(300);
            assertThat(step.delivered()).as(context).isEqualTo(step.expected());
            assertThat(step.errorsByKind()).as(context).isEmpty();
        }
    }
}
