package org.parley.protocol;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.util.encoders.Hex;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TunnelTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Ed25519PrivateKeyParameters serverKey = new Ed25519PrivateKeyParameters(RANDOM);
    private final byte[] pinned = serverKey.generatePublicKey().getEncoded();

    @Test
    void recordsGoBothWaysInOrder() {
        Tunnel.ClientHandshake client = new Tunnel.ClientHandshake(RANDOM);
        Tunnel.Accepted server = Tunnel.accept(client.hello(), serverKey, RANDOM);
        Tunnel.ClientKeys keys = client.finish(server.serverHello(), pinned);

        for (int i = 0; i < 3; i++) {
            byte[] up = keys.toServer().seal(Tunnel.FRAME, ("up " + i).getBytes(StandardCharsets.UTF_8));
            assertThat(server.fromClient().open(up)).containsExactly(concat(Tunnel.FRAME, "up " + i));
            byte[] down = server.toClient().seal(Tunnel.FRAME, ("down " + i).getBytes(StandardCharsets.UTF_8));
            assertThat(keys.fromServer().open(down)).containsExactly(concat(Tunnel.FRAME, "down " + i));
        }
        byte[] empty = keys.toServer().seal(Tunnel.OPEN_SESSION, new byte[0]);
        assertThat(empty).hasSize(1 + Tunnel.TAG_BYTES);
        assertThat(server.fromClient().open(empty)).containsExactly(Tunnel.OPEN_SESSION);
    }

    @Test
    void aRecordAlteredRepeatedReorderedOrTurnedAroundDoesNotOpen() {
        Tunnel.ClientHandshake client = new Tunnel.ClientHandshake(RANDOM);
        Tunnel.Accepted server = Tunnel.accept(client.hello(), serverKey, RANDOM);
        Tunnel.ClientKeys keys = client.finish(server.serverHello(), pinned);
        byte[] first = keys.toServer().seal(Tunnel.FRAME, new byte[] {1, 2, 3});
        byte[] second = keys.toServer().seal(Tunnel.FRAME, new byte[] {4, 5, 6});

        byte[] altered = first.clone();
        altered[2] ^= 1;
        assertThatThrownBy(() -> server.fromClient().open(altered)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not open");
        // The failed attempt used up sequence number 0: a tunnel that saw a bad record is over.
        assertThatThrownBy(() -> server.fromClient().open(first)).isInstanceOf(IllegalArgumentException.class);

        Tunnel.ClientHandshake again = new Tunnel.ClientHandshake(RANDOM);
        Tunnel.Accepted fresh = Tunnel.accept(again.hello(), serverKey, RANDOM);
        Tunnel.ClientKeys freshKeys = again.finish(fresh.serverHello(), pinned);
        byte[] one = freshKeys.toServer().seal(Tunnel.FRAME, new byte[] {1});
        byte[] two = freshKeys.toServer().seal(Tunnel.FRAME, new byte[] {2});
        assertThatThrownBy(() -> fresh.fromClient().open(two)).as("reordered").isInstanceOf(IllegalArgumentException.class);
        // A record sent to the server cannot be reflected back to the client as the server's.
        assertThatThrownBy(() -> freshKeys.fromServer().open(one)).as("reflected").isInstanceOf(IllegalArgumentException.class);
        assertThat(second).isNotEqualTo(first);
    }

    @Test
    void aReplayedClientHelloMeetsAFreshServerShareUnderWhichTheOldRecordsDoNotOpen() {
        Tunnel.ClientHandshake client = new Tunnel.ClientHandshake(RANDOM);
        byte[] hello = client.hello();
        Tunnel.Accepted original = Tunnel.accept(hello, serverKey, RANDOM);
        byte[] recorded = client.finish(original.serverHello(), pinned).toServer().seal(Tunnel.OPEN_SESSION, new byte[0]);
        assertThat(original.fromClient().open(recorded)).containsExactly(Tunnel.OPEN_SESSION);

        Tunnel.Accepted replay = Tunnel.accept(hello, serverKey, RANDOM);
        assertThat(replay.serverHello()).isNotEqualTo(original.serverHello());
        assertThatThrownBy(() -> replay.fromClient().open(recorded)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theClientRefusesAServerHelloNotSignedByThePinnedKey() {
        Tunnel.ClientHandshake client = new Tunnel.ClientHandshake(RANDOM);
        Ed25519PrivateKeyParameters impostor = new Ed25519PrivateKeyParameters(RANDOM);
        byte[] forged = Tunnel.accept(client.hello(), impostor, RANDOM).serverHello();
        assertThatThrownBy(() -> client.finish(forged, pinned)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not signed by the server's pinned key");

        // A real ServerHello for another client's share (a bridge swapping shares) does not verify either.
        Tunnel.ClientHandshake other = new Tunnel.ClientHandshake(RANDOM);
        byte[] forOther = Tunnel.accept(other.hello(), serverKey, RANDOM).serverHello();
        assertThatThrownBy(() -> client.finish(forOther, pinned)).isInstanceOf(IllegalArgumentException.class);

        byte[] real = Tunnel.accept(client.hello(), serverKey, RANDOM).serverHello();
        assertThatThrownBy(() -> client.finish(Arrays.copyOf(real, real.length - 1), pinned)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.finish(real, new byte[5])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theServerRefusesMalformedHellosAndLowOrderShares() {
        assertThatThrownBy(() -> Tunnel.accept(new byte[0], serverKey, RANDOM)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tunnel.accept(new byte[Tunnel.CLIENT_HELLO_BYTES + 1], serverKey, RANDOM))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] wrongVersion = new Tunnel.ClientHandshake(RANDOM).hello();
        wrongVersion[0] = 2;
        assertThatThrownBy(() -> Tunnel.accept(wrongVersion, serverKey, RANDOM)).isInstanceOf(IllegalArgumentException.class);
        // The all-zero point and 1 are of low order: X25519 with them gives zero (RFC 7748 section 6.1).
        for (String share : new String[] {"00".repeat(32), "01" + "00".repeat(31)}) {
            byte[] hello = concat(Tunnel.VERSION, "");
            byte[] lowOrder = Arrays.copyOf(hello, Tunnel.CLIENT_HELLO_BYTES);
            System.arraycopy(Hex.decode(share), 0, lowOrder, 1, 32);
            assertThatThrownBy(() -> Tunnel.accept(lowOrder, serverKey, RANDOM)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("low order");
        }
    }

    @Test
    void recordsOutOfBoundsAreRefusedBeforeAnyDecryption() {
        Tunnel.ClientHandshake client = new Tunnel.ClientHandshake(RANDOM);
        Tunnel.Accepted server = Tunnel.accept(client.hello(), serverKey, RANDOM);
        Tunnel.ClientKeys keys = client.finish(server.serverHello(), pinned);
        assertThatThrownBy(() -> server.fromClient().open(new byte[Tunnel.TAG_BYTES])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out of bounds");
        assertThatThrownBy(() -> server.fromClient().open(new byte[Tunnel.MAX_RECORD_BYTES + 1]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> keys.toServer().seal(Tunnel.FRAME, new byte[Tunnel.MAX_PLAINTEXT_BYTES]))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] largest = keys.toServer().seal(Tunnel.FRAME, new byte[Tunnel.MAX_PLAINTEXT_BYTES - 1]);
        assertThat(largest).hasSize(Tunnel.MAX_RECORD_BYTES);
    }

    /**
     * The known answer that web/src/core/net/tunnel.test.ts checks too: both sides' randomness fixed
     * (the client's X25519 key 0x01.., the server's 0x02.., the server's Ed25519 key 0x03..).
     */
    @Test
    void knownAnswerSharedWithTheBrowser() {
        Ed25519PrivateKeyParameters fixedServerKey = new Ed25519PrivateKeyParameters(filled(3), 0);
        Tunnel.ClientHandshake client = new Tunnel.ClientHandshake(fixed(1));
        Tunnel.Accepted server = Tunnel.accept(client.hello(), fixedServerKey, fixed(2));
        Tunnel.ClientKeys keys = client.finish(server.serverHello(), fixedServerKey.generatePublicKey().getEncoded());
        byte[] up0 = keys.toServer().seal(Tunnel.OPEN_SESSION, new byte[0]);
        byte[] up1 = keys.toServer().seal(Tunnel.FRAME, "hello".getBytes(StandardCharsets.US_ASCII));
        byte[] down0 = server.toClient().seal(Tunnel.FRAME, "world".getBytes(StandardCharsets.US_ASCII));
        System.out.println("tunnel known answer: client hello " + Hex.toHexString(client.hello()));
        System.out.println("tunnel known answer: server hello " + Hex.toHexString(server.serverHello()));
        System.out.println("tunnel known answer: up0 " + Hex.toHexString(up0) + " up1 " + Hex.toHexString(up1)
                + " down0 " + Hex.toHexString(down0));
        assertThat(Hex.toHexString(client.hello())).isEqualTo(KNOWN_CLIENT_HELLO);
        assertThat(Hex.toHexString(server.serverHello())).isEqualTo(KNOWN_SERVER_HELLO);
        assertThat(Hex.toHexString(up0)).isEqualTo(KNOWN_UP0);
        assertThat(Hex.toHexString(up1)).isEqualTo(KNOWN_UP1);
        assertThat(Hex.toHexString(down0)).isEqualTo(KNOWN_DOWN0);
    }

    private static final String KNOWN_CLIENT_HELLO =
            "01a4e09292b651c278b9772c569f5fa9bb13d906b46ab68c9df9dc2b4409f8a209";
    private static final String KNOWN_SERVER_HELLO =
            "01ce8d3ad1ccb633ec7b70c17814a5c76ecd029685050d344745ba05870e587d597613c4547350d3ab2308d84c5edf05c44f465bcd645eea45551f64cff5273385d35e5dd43a7a82aa055a585bb57b188c57fbb08c6ac8e41519e6f983a64ab10d";
    private static final String KNOWN_UP0 = "3e88574c1e244fd2e4c047b319f91f4361";
    private static final String KNOWN_UP1 = "926448a585b7729cb26842c661180f595ac708f7918a";
    private static final String KNOWN_DOWN0 = "d1f3a249f52d54533f8d15e105b6a6479f3c647e1aca";

    private static byte[] filled(int value) {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    /** A SecureRandom whose every byte is {@code value}: the X25519 key it makes is 32 such bytes. */
    private static SecureRandom fixed(int value) {
        return new SecureRandom() {
            @Override
            public void nextBytes(byte[] bytes) {
                Arrays.fill(bytes, (byte) value);
            }
        };
    }

    private static byte[] concat(byte type, String body) {
        byte[] text = body.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[1 + text.length];
        out[0] = type;
        System.arraycopy(text, 0, out, 1, text.length);
        return out;
    }
}
