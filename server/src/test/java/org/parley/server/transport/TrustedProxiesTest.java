package org.parley.server.transport;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrustedProxiesTest {
    private static final TrustedProxies PROXIES = TrustedProxies.parse("10.0.0.0/8, 2001:db8:ffff::/48,192.0.2.7");

    @Test
    void networksMatchByTheirPrefix() throws Exception {
        assertThat(PROXIES.contains(ip("10.200.3.4"))).isTrue();
        assertThat(PROXIES.contains(ip("11.0.0.1"))).isFalse();
        assertThat(PROXIES.contains(ip("2001:db8:ffff:1::5"))).isTrue();
        assertThat(PROXIES.contains(ip("2001:db8:fffe::5"))).isFalse();
        assertThat(PROXIES.contains(ip("192.0.2.7"))).as("a bare address is one host").isTrue();
        assertThat(PROXIES.contains(ip("192.0.2.8"))).isFalse();
        assertThat(TrustedProxies.parse("172.16.0.0/12").contains(ip("172.31.255.255"))).isTrue();
        assertThat(TrustedProxies.parse("172.16.0.0/12").contains(ip("172.32.0.0"))).isFalse();
        assertThat(TrustedProxies.NONE.contains(ip("127.0.0.1"))).as("nothing is trusted by default").isFalse();
    }

    @Test
    void badNetworksAreRefusedWithoutEverResolvingAName() {
        for (String bad : new String[] {"", " , ", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/x", "localhost",
                "proxy.example.org/24", "10.0.0", "10.0.0.0/8/8", "1.2.3.4:80"}) {
            assertThatThrownBy(() -> TrustedProxies.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void fromAnUntrustedPeerTheHeaderIsIgnored() throws Exception {
        InetAddress stranger = ip("198.51.100.9");
        assertThat(PROXIES.clientBehind(stranger, List.of("203.0.113.1"))).isEqualTo(stranger);
        assertThat(TrustedProxies.NONE.clientBehind(ip("127.0.0.1"), List.of("203.0.113.1"))).isEqualTo(ip("127.0.0.1"));
    }

    @Test
    void theClientIsTheRightMostAddressNotItselfAProxy() throws Exception {
        InetAddress proxy = ip("10.0.0.1");
        // What the client wrote itself (left) is not believed; what our proxies appended is.
        assertThat(PROXIES.clientBehind(proxy, List.of("6.6.6.6, 203.0.113.1"))).isEqualTo(ip("203.0.113.1"));
        assertThat(PROXIES.clientBehind(proxy, List.of("6.6.6.6, 203.0.113.1, 10.9.9.9"))).isEqualTo(ip("203.0.113.1"));
        assertThat(PROXIES.clientBehind(proxy, List.of("6.6.6.6", "203.0.113.1"))).as("several headers read in order")
                .isEqualTo(ip("203.0.113.1"));
        assertThat(PROXIES.clientBehind(proxy, List.of("[2001:db8::1]:443"))).isEqualTo(ip("2001:db8::1"));
        assertThat(PROXIES.clientBehind(proxy, List.of("203.0.113.1:5555"))).isEqualTo(ip("203.0.113.1"));
        assertThat(PROXIES.clientBehind(proxy, List.of("2001:db8::2"))).isEqualTo(ip("2001:db8::2"));
    }

    @Test
    void aMissingOrUnreadableEntryLeavesTheLastTrustedHop() throws Exception {
        InetAddress proxy = ip("10.0.0.1");
        assertThat(PROXIES.clientBehind(proxy, List.of())).isEqualTo(proxy);
        assertThat(PROXIES.clientBehind(proxy, List.of(""))).isEqualTo(proxy);
        for (String hostile : new String[] {"unknown", "evil.example.org", "[::1", "999.1.1.1", "1.2.3.4:5:6", "\u0000",
                "x".repeat(10_000)}) {
            assertThat(PROXIES.clientBehind(proxy, List.of(hostile))).as(hostile).isEqualTo(proxy);
        }
        assertThat(PROXIES.clientBehind(proxy, List.of("203.0.113.1, garbage, 10.0.0.2"))).isEqualTo(ip("10.0.0.2"));
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }
}
