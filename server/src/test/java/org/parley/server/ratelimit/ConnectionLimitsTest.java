package org.parley.server.ratelimit;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionLimitsTest {

    @Test
    void countsAnIpv6SubscriberByItsSlash64AndAnIpv4AddressAlone() throws Exception {
        ConnectionLimits limits = new ConnectionLimits(2, 100);
        InetAddress one = InetAddress.getByName("2001:db8:1:2::1");
        InetAddress sameSlash64 = InetAddress.getByName("2001:db8:1:2:ffff:ffff:ffff:ffff");
        assertThat(limits.tryOpen(one)).isTrue();
        assertThat(limits.tryOpen(sameSlash64)).isTrue();
        assertThat(limits.tryOpen(InetAddress.getByName("2001:db8:1:2::99"))).as("a third in the /64").isFalse();
        assertThat(limits.tryOpen(InetAddress.getByName("2001:db8:1:3::1"))).as("the next /64").isTrue();
        assertThat(limits.tryOpen(InetAddress.getByName("192.0.2.1"))).isTrue();
        assertThat(limits.tryOpen(InetAddress.getByName("192.0.2.2"))).isTrue();

        limits.closed(one);
        assertThat(limits.tryOpen(InetAddress.getByName("2001:db8:1:2::7"))).as("room again after a close").isTrue();
        assertThat(limits.openConnections()).isEqualTo(5);
    }

    @Test
    void theTotalCapRefusesEveryNetworkAndForgetsNetworksWithNothingOpen() throws Exception {
        ConnectionLimits limits = new ConnectionLimits(5, 2);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");
        assertThat(limits.tryOpen(a)).isTrue();
        assertThat(limits.tryOpen(b)).isTrue();
        assertThat(limits.tryOpen(InetAddress.getByName("198.51.100.1"))).isFalse();
        assertThat(limits.openConnections()).isEqualTo(2);
        limits.closed(a);
        limits.closed(b);
        assertThat(limits.openConnections()).isZero();
        assertThat(limits.networks()).isZero();
    }
}
