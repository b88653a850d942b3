package org.parley.server;

import org.junit.jupiter.api.Test;
import org.parley.protocol.v1.ErrorCode;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.bus.InProcessBus;
import org.parley.server.http.Readiness;
import org.parley.server.storage.StoreUrl;
import org.parley.server.testing.Backend;
import org.parley.server.testing.StoreHarness;
import org.parley.server.testing.TestClient;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** /readyz follows the database and shutdown (and the bus: NatsBusTest); /healthz (liveness) stays "ok" whatever the database does. */
class ReadinessTest extends ServerTestBase {

    @Test
    void readyWhileTheDatabaseAnswersAndNotOnceItIsClosed() throws Exception {
        start(Backend.SQLITE, config -> config.withEdge(ServerConfig.Edge.defaults()
                .withAdminListen(new InetSocketAddress("127.0.0.1", 0))), store -> store);
        String admin = "http://127.0.0.1:" + server.adminAddress().orElseThrow().getPort();
        for (String base : new String[] {baseUrl(), admin}) {
            HttpResponse<String> ready = get(base + "/readyz");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).isEqualTo("ready\ndatabase: ok\nbus: in-process (one node)\n");
        }

        TestClient alice = registered("alice");
        TestClient bob = registered("bob");
        harness.store().close(); // the database goes away under the running server
        for (String base : new String[] {baseUrl(), admin}) {
            HttpResponse<String> notReady = get(base + "/readyz");
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.body()).isEqualTo("not ready: the database is unavailable\ndatabase: failing\nbus: in-process (one node)\n")
                    .as("names no file, host or user").doesNotContain(tempDir.toString());
            assertThat(get(base + "/healthz").body()).as("liveness is unchanged").isEqualTo("ok\n");
        }
        ServerFrame refused = alice.request(send(new byte[] {1}, recipient(bob)));
        assertThat(refused.getError().getCode()).as("%s", refused).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(refused.getError().getMessage()).contains("the database is unavailable").contains("retry");
        assertThat(refused.getError().getRetryAfterMs()).isPositive();
    }

    @Test
    void postgresqlConnectionsTerminatedUnderTheServerAreReplacedAndReadinessRecovers() throws Exception {
        String application = "parley-readiness-" + System.nanoTime();
        start(Backend.POSTGRESQL, config -> config, store -> new StoreConfig(
                StoreUrl.parse(store.url().jdbcUrl() + "&ApplicationName=" + application), store.attachmentDirectory(),
                store.clock(), store.mailboxLimits(), store.attachmentMaxBytes()));
        assertThat(get(baseUrl() + "/readyz").statusCode()).isEqualTo(200);

        // What an administrator's pg_terminate_backend (or a database failover) does to the server's pool.
        try (Connection admin = DriverManager.getConnection(System.getenv(StoreHarness.POSTGRES_VARIABLE));
             PreparedStatement terminate = admin.prepareStatement(
                     "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?")) {
            terminate.setString(1, application);
            try (ResultSet terminated = terminate.executeQuery()) {
                assertThat(terminated.next()).isTrue();
                assertThat(terminated.getInt(1)).as("the server's connections were found and ended").isPositive();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        HttpResponse<String> ready;
        do {
            ready = get(baseUrl() + "/readyz"); // a probe may meet a dead connection once; the pool then replaces it
        } while (ready.statusCode() != 200 && System.nanoTime() < deadline);
        assertThat(ready.body()).isEqualTo("ready\ndatabase: ok\nbus: in-process (one node)\n");
        assertThat(registered("alice")).as("the server works on new connections").isNotNull();
    }

    @Test
    void aDatabaseThatHangsIsNotReadyAfterTheTimeoutAndProbesShareOneCheck() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger checks = new AtomicInteger();
        ExecutorService executor = Executors.newCachedThreadPool();
        try {
            Readiness readiness = new Readiness(() -> {
                checks.incrementAndGet();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, new InProcessBus(), executor);
            var first = readiness.check();
            for (int i = 0; i < 50; i++) {
                readiness.check(); // a flood of probes while the database hangs
            }
            assertThat(first.get(10, TimeUnit.SECONDS)).contains("the database did not answer within 2 s");
            assertThat(checks).as("the probes waited on the one running check").hasValue(1);
            release.countDown();
            executor.shutdown();
            assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            ExecutorService next = Executors.newSingleThreadExecutor();
            Readiness recovered = new Readiness(() -> { }, new InProcessBus(), next);
            assertThat(recovered.check().get(5, TimeUnit.SECONDS)).isEmpty();
            recovered.shuttingDown();
            assertThat(recovered.check().get(5, TimeUnit.SECONDS)).isEqualTo(Optional.of("shutting down"));
            next.shutdown();
        } finally {
            release.countDown();
            executor.shutdownNow();
        }
    }

    @Test
    void aWebSocketPathCannotHideReadyz() {
        assertThatThrownBy(() -> ServerConfig.Edge.defaults().withWebSocketPath("/readyz"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/readyz");
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
