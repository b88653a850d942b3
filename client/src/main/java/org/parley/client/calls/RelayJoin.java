package org.parley.client.calls;

import org.parley.protocol.v1.CallToken;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/**
 * A UDP JOIN as the relay takes it ({@code org.parley.server.calls.JoinDatagram}), made fresh for
 * every send: the sealed token, the time on the client's clock, a random nonce and the relay's
 * address, under HMAC-SHA256 with the token's join key, which only this device was given. The
 * relay answers each one once, within 30 s of its time.
 *
 * <pre>
 * type 0x01 | token | time (8, ms) | nonce (16) | relay address (16-byte IPv6, IPv4 mapped; 2-byte port)
 *           | HMAC-SHA256(join key, "parley-v1-join" || everything after the type)
 * </pre>
 */
final class RelayJoin {
    static final int JOIN_KEY_BYTES = 32;
    static final int NONCE_BYTES = 16;
    private static final byte JOIN = 0x01;
    private static final int ADDRESS_BYTES = 18;
    private static final int MAC_BYTES = 32;
    private static final byte[] LABEL = "parley-v1-join".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom NONCES = new SecureRandom();

    private RelayJoin() {
    }

    /** A JOIN with a fresh random nonce. */
    static byte[] fresh(CallToken token, long timeMillis, InetSocketAddress relay) {
        byte[] nonce = new byte[NONCE_BYTES];
        NONCES.nextBytes(nonce);
        return datagram(token, timeMillis, nonce, relay);
    }

    static byte[] datagram(CallToken token, long timeMillis, byte[] nonce, InetSocketAddress relay) {
        if (token.getJoinKey().size() != JOIN_KEY_BYTES || nonce.length != NONCE_BYTES || relay.isUnresolved()) {
            throw new IllegalArgumentException("a JOIN needs a " + JOIN_KEY_BYTES + "-byte join key, a " + NONCE_BYTES
                    + "-byte nonce and a resolved relay address");
        }
        byte[] ip = relay.getAddress().getAddress();
        ByteBuffer out = ByteBuffer.allocate(1 + token.getToken().size() + Long.BYTES + NONCE_BYTES + ADDRESS_BYTES + MAC_BYTES)
                .put(JOIN).put(token.getToken().asReadOnlyByteBuffer()).putLong(timeMillis).put(nonce);
        if (ip.length == 4) {
            out.put(new byte[10]).put((byte) 0xff).put((byte) 0xff);
        }
        out.put(ip).putShort((short) relay.getPort());
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(token.getJoinKey().toByteArray(), "HmacSHA256"));
            mac.update(LABEL);
            mac.update(out.array(), 1, out.position() - 1);
            out.put(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no usable HmacSHA256", e);
        }
        return out.array();
    }
}
