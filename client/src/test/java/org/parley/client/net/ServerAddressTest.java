package org.parley.client.net;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerAddressTest {
    @Test
    void acceptsHttpAndWebSocketForms() {
        assertThat(ServerAddress.parse("http://127.0.0.1:7878")).isEqualTo(new ServerAddress("127.0.0.1", 7878, false));
        assertThat(ServerAddress.parse("ws://127.0.0.1:7878/v1/ws")).isEqualTo(new ServerAddress("127.0.0.1", 7878, false));
        assertThat(ServerAddress.parse("https://chat.example")).isEqualTo(new ServerAddress("chat.example", 443, true));
        assertThat(ServerAddress.parse("WSS://chat.example:8443/")).isEqualTo(new ServerAddress("chat.example", 8443, true));
        assertThat(ServerAddress.parse("http://[::1]:7878").webSocketUri().toString()).isEqualTo("ws://[::1]:7878/v1/ws");
        assertThat(ServerAddress.parse("https://h:1").httpUri("/v1/attachments").toString()).isEqualTo("https://h:1/v1/attachments");
    }

    @Test
    void aPathInTheUrlIsTheWebSocketsPathAndSurvivesTheCanonicalForm() {
        ServerAddress moved = ServerAddress.parse("https://chat.example/api/stream");
        assertThat(moved.webSocketUri().toString()).isEqualTo("wss://chat.example:443/api/stream");
        assertThat(moved.httpUri("/v1/attachments").toString()).isEqualTo("https://chat.example:443/v1/attachments");
        assertThat(moved.toString()).isEqualTo("https://chat.example:443/api/stream");
        assertThat(ServerAddress.parse(moved.toString())).isEqualTo(moved);
        assertThat(ServerAddress.parse("http://h:1").toString()).isEqualTo("http://h:1");
    }

    @Test
    void rejectsWhatIsNotAServerUrl() {
        for (String bad : new String[] {"", "127.0.0.1:7878", "ftp://h:1", "http://", "http://h:1/x?y=1", "http://h:1/#top", "http://u@h:1", "http://h:1/a%20b", "http://h:99999", "ht tp://x",
                "ws://h:1/v1/ws/../../etc", "http://h:1/./ws", "http://h:1/v1//ws", "http://h:1/v1/ws/", "http://h:1/" + "a".repeat(300)}) {
            assertThatThrownBy(() -> ServerAddress.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("http://HOST:PORT");
        }
    }

    @Test
    void backoffGrowsAndStaysWithinTheCeiling() {
        assertThat(Backoff.delayMillis(0, 1.0)).isEqualTo(Backoff.FIRST_RETRY.toMillis());
        assertThat(Backoff.delayMillis(3, 1.0)).isEqualTo(Backoff.FIRST_RETRY.toMillis() * 8);
        assertThat(Backoff.delayMillis(40, 1.0)).isEqualTo(Backoff.MAX_RETRY.toMillis());
        assertThat(Backoff.delayMillis(5, 0.0)).isEqualTo(1);
        assertThat(Backoff.delayMillis(5, 0.5)).isEqualTo(Backoff.FIRST_RETRY.toMillis() * 16);
    }
}
