package org.parley.server.calls;

import io.netty.buffer.ByteBuf;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A UDP JOIN, authenticated by the participant: the relay admits it only with a MAC under the
 * token's JOIN key ({@link CallTokens#joinKey}), which only the device the token was issued to
 * was given. All fields big-endian:
 *
 * <pre>
 *   0  type            1 byte   (0x01, {@link RelayDatagram#JOIN})
 *   1  call token     57 bytes  (opaque: sealed by the server, see {@link CallTokens})
 *  58  time            8 bytes  the client's clock, ms since the epoch
 *  66  nonce          16 bytes  random, never reused
 *  82  relay address  18 bytes  where the client sends this JOIN: IPv6 address (IPv4 as ::ffff:a.b.c.d), port
 * 100  MAC            32 bytes  HMAC-SHA256(join key, "parley-v1-join" || bytes 1..99)
 * </pre>
 *
 * The time and nonce make every JOIN single-use (the relay keeps the nonces of its time window);
 * the relay address binds it to the relay the client meant (the relay checks the port, see
 * {@link UdpRelayServer#isOwnAddress}).
 */
public record JoinDatagram(byte[] token, long timeMillis, byte[] nonce, InetSocketAddress relayAddress, byte[] mac,
                           byte[] signed) {
    public static final int BYTES = 132;
    public static final int NONCE_BYTES = 16;
    static final int ADDRESS_BYTES = 18;
    private static final int MAC_BYTES = 32;
    private static final int SIGNED_FROM = 1;
    private static final int SIGNED_BYTES = CallTokens.TOKEN_BYTES + Long.BYTES + NONCE_BYTES + ADDRESS_BYTES;
    private static final byte[] LABEL = "parley-v1-join".getBytes(StandardCharsets.US_ASCII);

    /** A JOIN of {@code token}, MACed under {@code joinKey}, for the relay at {@code relay}. */
    public static byte[] encode(byte[] token, byte[] joinKey, long timeMillis, byte[] nonce, InetSocketAddress relay) {
        if (token.length != CallTokens.TOKEN_BYTES || joinKey.length != CallTokens.JOIN_KEY_BYTES
                || nonce.length != NONCE_BYTES) {
            throw new IllegalArgumentException("a JOIN needs a " + CallTokens.TOKEN_BYTES + "-byte token, a "
                    + CallTokens.JOIN_KEY_BYTES + "-byte key and a " + NONCE_BYTES + "-byte nonce");
        }
        ByteBuffer out = ByteBuffer.allocate(BYTES).put(RelayDatagram.JOIN).put(token).putLong(timeMillis).put(nonce)
                .put(addressBytes(relay));
        out.put(mac(joinKey, out.array(), SIGNED_FROM, SIGNED_BYTES));
        return out.array();
    }

    /** The fields of a JOIN datagram, or null if it has the wrong length for one (nothing is verified). */
    static JoinDatagram parse(ByteBuf datagram) {
        if (datagram.readableBytes() != BYTES) {
            return null;
        }
        byte[] bytes = new byte[BYTES];
        datagram.getBytes(datagram.readerIndex(), bytes);
        ByteBuffer in = ByteBuffer.wrap(bytes, SIGNED_FROM, BYTES - SIGNED_FROM);
        byte[] token = new byte[CallTokens.TOKEN_BYTES];
        in.get(token);
        long time = in.getLong();
        byte[] nonce = new byte[NONCE_BYTES];
        in.get(nonce);
        byte[] ip = new byte[16];
        in.get(ip);
        int port = in.getShort() & 0xffff;
        byte[] mac = new byte[MAC_BYTES];
        in.get(mac);
        InetSocketAddress relay;
        try {
            relay = new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException e) {
            throw new AssertionError("16 bytes are always an IPv6 address", e);
        }
        byte[] signed = new byte[SIGNED_BYTES];
        System.arraycopy(bytes, SIGNED_FROM, signed, 0, SIGNED_BYTES);
        return new JoinDatagram(token, time, nonce, relay, mac, signed);
    }

    /** Whether the MAC is right under {@code joinKey} (compared in constant time). */
    boolean macVerifies(byte[] joinKey) {
        return MessageDigest.isEqual(mac(joinKey, signed, 0, SIGNED_BYTES), mac);
    }

    private static byte[] mac(byte[] joinKey, byte[] data, int offset, int length) {
        Mac mac = CallTokens.hmacSha256(new SecretKeySpec(joinKey, "HmacSHA256"));
        mac.update(LABEL);
        mac.update(data, offset, length);
        return mac.doFinal();
    }

    /** An address as 16 bytes of IPv6 (IPv4 mapped) and 2 of port, as a JOIN carries it. */
    static byte[] addressBytes(InetSocketAddress address) {
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("the relay address must be resolved, was " + address.getHostString());
        }
        byte[] ip = address.getAddress().getAddress();
        ByteBuffer out = ByteBuffer.allocate(ADDRESS_BYTES);
        if (address.getAddress() instanceof Inet4Address) {
            out.put(new byte[10]).put((byte) 0xff).put((byte) 0xff);
        }
        return out.put(ip).putShort((short) address.getPort()).array();
    }

    @Override
    public String toString() {
        return "JoinDatagram[time=" + timeMillis + ", token, nonce and MAC hidden]";
    }
}
