package org.parley.client.net;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouteTest {
    @Test
    void readsProxyUrlsAndDirect() {
        assertThat(Route.parse("socks5://127.0.0.1:9050")).isEqualTo(new Route.Socks5("127.0.0.1", 9050));
        assertThat(Route.parse("SOCKS5H://[::1]:1080")).isEqualTo(new Route.Socks5("::1", 1080));
        assertThat(Route.parse("http://proxy.example:3128")).isEqualTo(new Route.HttpConnect("proxy.example", 3128));
        assertThat(Route.parse("")).isEqualTo(Route.DIRECT);
        assertThat(Route.parse("direct")).isEqualTo(Route.DIRECT);
        assertThat(Route.parse(Route.parse("socks5://[::1]:1080").toString())).isEqualTo(new Route.Socks5("::1", 1080));
        assertThat(Route.DIRECT.carriesUdp()).isTrue();
        assertThat(Route.parse("socks5://h:1").carriesUdp()).isFalse();
    }

    @Test
    void refusesWhatIsNotAProxy() {
        for (String bad : new String[] {"socks4://h:1", "https://h:1", "socks5://h", "socks5://u:p@h:1", "http://h:1/path",
                "http://h:1?x", "socks5://h:0", "h:1", "socks5:// :1", "\u0000"}) {
            assertThatThrownBy(() -> Route.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("proxy");
        }
    }

    @Test
    void anEndpointIsAServerUrlOrABridgeLinkLeadingToTheHomeServer() {
        ServerAddress home = ServerAddress.parse("https://chat.example");
        assertThat(Endpoint.parse("https://alt.example:8443", home)).isEqualTo(Endpoint.direct(ServerAddress.parse("https://alt.example:8443")));
        Endpoint bridged = Endpoint.parse("parley://bridge?host=bridge.example&port=443", home);
        assertThat(bridged.server()).isEqualTo(home);
        assertThat(bridged.bridge()).isPresent();
        assertThat(Endpoint.parse(bridged.toString(), ServerAddress.parse("https://other.example"))).isEqualTo(bridged);
        assertThat(bridged.bridge().get().server()).isEqualTo(Optional.empty());
    }
}
