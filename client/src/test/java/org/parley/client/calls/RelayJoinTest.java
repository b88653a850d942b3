package org.parley.client.calls;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.parley.protocol.v1.CallToken;
import org.parley.server.calls.CallId;
import org.parley.server.calls.CallTokens;
import org.parley.server.calls.JoinDatagram;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client's JOIN is byte for byte the relay's {@link JoinDatagram}, and each one is fresh. */
class RelayJoinTest {
    private final CallTokens tokens = CallTokens.withRandomSecret(new SecureRandom(), Clock.systemUTC(), Duration.ofMinutes(5));
    private final CallTokens.Issued issued = tokens.issueFor(new CallId(3, 4), 12);
    private final CallToken token = CallToken.newBuilder().setToken(ByteString.copyFrom(issued.token()))
            .setJoinKey(ByteString.copyFrom(issued.joinKey())).build();

    @Test
    void matchesTheRelaysEncodingOverIpv4AndIpv6() throws Exception {
        byte[] nonce = new byte[RelayJoin.NONCE_BYTES];
        new SecureRandom().nextBytes(nonce);
        for (InetSocketAddress relay : new InetSocketAddress[] {new InetSocketAddress("127.0.0.1", 7878),
                new InetSocketAddress(InetAddress.getByName("::1"), 443)}) {
            assertThat(RelayJoin.datagram(token, 1_234_567L, nonce, relay))
                    .isEqualTo(JoinDatagram.encode(issued.token(), issued.joinKey(), 1_234_567L, nonce, relay));
        }
    }

    @Test
    void everyJoinIsFresh() {
        InetSocketAddress relay = new InetSocketAddress("127.0.0.1", 7878);
        assertThat(RelayJoin.fresh(token, 5, relay)).isNotEqualTo(RelayJoin.fresh(token, 5, relay));
    }

    @Test
    void aTokenWithoutAJoinKeyOrAnUnresolvedRelayMakesNoJoin() {
        InetSocketAddress relay = new InetSocketAddress("127.0.0.1", 7878);
        assertThatThrownBy(() -> RelayJoin.fresh(token.toBuilder().clearJoinKey().build(), 5, relay))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RelayJoin.fresh(token, 5, InetSocketAddress.createUnresolved("relay.example", 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
