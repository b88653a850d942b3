package org.parley.server;

import org.junit.jupiter.api.Test;
import org.parley.server.testing.Backend;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** /metrics is the operator's: on the admin listener, or behind a bearer token; /healthz stays public. */
class MetricsAccessTest extends ServerTestBase {

    @Test
    void withoutATokenThePublicListenerHasNoMetricsAndTheAdminListenerHas() throws Exception {
        start(Backend.SQLITE, config -> config.withEdge(ServerConfig.Edge.defaults()
                .withAdminListen(new InetSocketAddress("127.0.0.1", 0))), store -> store);
        assertThat(get(baseUrl() + "/metrics", null).statusCode()).isEqualTo(404);
        assertThat(get(baseUrl() + "/metrics", "Bearer " + METRICS_TOKEN).statusCode()).as("no token is configured").isEqualTo(404);
        assertThat(get(baseUrl() + "/healthz", null).statusCode()).isEqualTo(200);

        String admin = "http://127.0.0.1:" + server.adminAddress().orElseThrow().getPort();
        HttpResponse<String> metrics = get(admin + "/metrics", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("# TYPE parley_connections gauge");
        assertThat(get(admin + "/healthz", null).body()).isEqualTo("ok\n");
        assertThat(get(admin + "/v1/ws", null).statusCode()).as("the admin listener serves nothing else").isEqualTo(404);
        assertThat(get(admin + "/v1/attachments/" + "0".repeat(32), null).statusCode()).isEqualTo(404);
        HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(admin + "/metrics"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100_000])).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void withATokenMetricsOpenOnlyToIt() throws Exception {
        start(Backend.SQLITE, config -> config.withEdge(ServerConfig.Edge.defaults().withMetricsToken(METRICS_TOKEN)
                .withAdminListen(new InetSocketAddress("127.0.0.1", 0))), store -> store);
        String admin = "http://127.0.0.1:" + server.adminAddress().orElseThrow().getPort();
        for (String base : new String[] {baseUrl(), admin}) {
            assertThat(get(base + "/metrics", null).statusCode()).isEqualTo(401);
            assertThat(get(base + "/metrics", "Bearer wrong-token-0123456789").statusCode()).isEqualTo(401);
            assertThat(get(base + "/metrics", "Bearer " + METRICS_TOKEN + "x").statusCode()).isEqualTo(401);
            assertThat(get(base + "/metrics", "Basic " + METRICS_TOKEN).statusCode()).isEqualTo(401);
            assertThat(get(base + "/metrics", "Bearer").statusCode()).isEqualTo(401);
            assertThat(get(base + "/metrics", "Bearer " + METRICS_TOKEN).statusCode()).isEqualTo(200);
            assertThat(get(base + "/metrics", "bearer " + METRICS_TOKEN).statusCode()).as("the scheme is case-insensitive")
                    .isEqualTo(200);
            assertThat(get(base + "/healthz", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anExposedAdminListenerNeedsAToken() {
        assertThatThrownBy(() -> ServerConfig.Edge.defaults().withAdminListen(new InetSocketAddress("0.0.0.0", 9090)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--metrics-token");
        assertThat(new ServerConfig.Edge(org.parley.server.transport.TrustedProxies.NONE, false,
                Optional.of(new InetSocketAddress("0.0.0.0", 9090)), Optional.of(METRICS_TOKEN), "/v1/ws").adminListen()).isPresent();
        assertThatThrownBy(() -> ServerConfig.Edge.defaults().withMetricsToken("short"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16 characters");
    }

    private static HttpResponse<String> get(String url, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
