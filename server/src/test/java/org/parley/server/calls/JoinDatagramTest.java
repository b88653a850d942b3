package org.parley.server.calls;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JoinDatagramTest {
    private final CallTokens tokens = CallTokens.withRandomSecret(new SecureRandom(), Clock.systemUTC(), Duration.ofMinutes(5));
    private final byte[] token = tokens.issue(new CallId(5, 6), 77);
    private final byte[] key = tokens.joinKey(token);
    private final byte[] nonce = new byte[JoinDatagram.NONCE_BYTES];

    private static JoinDatagram parse(byte[] bytes) {
        return JoinDatagram.parse(Unpooled.wrappedBuffer(bytes));
    }

    @Test
    void roundTripsOverIpv4AndIpv6() throws Exception {
        new SecureRandom().nextBytes(nonce);
        for (InetSocketAddress relay : new InetSocketAddress[] {new InetSocketAddress("192.0.2.7", 7878),
                new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 65_535)}) {
            byte[] bytes = JoinDatagram.encode(token, key, 1_700_000_000_123L, nonce, relay);
            assertThat(bytes).hasSize(JoinDatagram.BYTES).startsWith(RelayDatagram.JOIN);
            JoinDatagram join = parse(bytes);
            assertThat(join.token()).isEqualTo(token);
            assertThat(join.timeMillis()).isEqualTo(1_700_000_000_123L);
            assertThat(join.nonce()).isEqualTo(nonce);
            assertThat(join.relayAddress()).isEqualTo(relay);
            assertThat(join.macVerifies(key)).isTrue();
            assertThat(join.toString()).doesNotContain(Arrays.toString(nonce)).contains("hidden");
        }
    }

    @Test
    void everyAlteredByteBreaksTheMacAndAnotherKeyDoesNotVerify() {
        byte[] bytes = JoinDatagram.encode(token, key, 42, nonce, new InetSocketAddress("127.0.0.1", 1));
        for (int i = 1; i < bytes.length; i++) {
            byte[] altered = bytes.clone();
            altered[i] ^= 0x10;
            assertThat(parse(altered).macVerifies(key)).as("byte %d altered", i).isFalse();
        }
        byte[] otherKey = tokens.joinKey(tokens.issue(new CallId(5, 6), 78));
        assertThat(parse(bytes).macVerifies(otherKey)).isFalse();
    }

    @Test
    void truncatedOversizedAndEmptyDatagramsAreNotJoins() {
        byte[] bytes = JoinDatagram.encode(token, key, 42, nonce, new InetSocketAddress("127.0.0.1", 1));
        assertThat(parse(Arrays.copyOf(bytes, bytes.length - 1))).isNull();
        assertThat(parse(Arrays.copyOf(bytes, bytes.length + 1))).isNull();
        assertThat(parse(new byte[0])).isNull();
        assertThat(parse(new byte[] {RelayDatagram.JOIN})).isNull();
        assertThat(parse(new byte[1 + CallTokens.TOKEN_BYTES])).as("a token alone, as JOINs used to be").isNull();
    }

    @Test
    void encodingRefusesWrongSizesAndUnresolvedAddresses() {
        InetSocketAddress relay = new InetSocketAddress("127.0.0.1", 1);
        assertThatThrownBy(() -> JoinDatagram.encode(new byte[3], key, 0, nonce, relay)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JoinDatagram.encode(token, new byte[16], 0, nonce, relay)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JoinDatagram.encode(token, key, 0, new byte[8], relay)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JoinDatagram.encode(token, key, 0, nonce, InetSocketAddress.createUnresolved("relay.example", 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
