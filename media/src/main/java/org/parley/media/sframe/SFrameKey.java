package org.parley.media.sframe;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The key and salt derived from a {@code base_key} for one KID (RFC 9605 Section 4.4.2,
 * {@code derive_key_salt}). Holds secrets: it never prints them.
 */
public final class SFrameKey {
    private static final byte[] KEY_LABEL = "SFrame 1.0 Secret key ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SALT_LABEL = "SFrame 1.0 Secret salt ".getBytes(StandardCharsets.US_ASCII);

    private final SFrameCipherSuite suite;
    private final long kid;
    private final byte[] key;
    private final byte[] salt;

    private SFrameKey(SFrameCipherSuite suite, long kid, byte[] key, byte[] salt) {
        this.suite = suite;
        this.kid = kid;
        this.key = key;
        this.salt = salt;
    }

    public static SFrameKey derive(SFrameCipherSuite suite, long kid, byte[] baseKey) {
        byte[] secret = suite.hkdfExtract(new byte[0], baseKey);
        byte[] key = suite.hkdfExpand(secret, keyLabel(kid, suite), suite.nk);
        byte[] salt = suite.hkdfExpand(secret, saltLabel(kid, suite), suite.nn);
        return new SFrameKey(suite, kid, key, salt);
    }

    static byte[] keyLabel(long kid, SFrameCipherSuite suite) {
        return label(KEY_LABEL, kid, suite);
    }

    static byte[] saltLabel(long kid, SFrameCipherSuite suite) {
        return label(SALT_LABEL, kid, suite);
    }

    /** label + KID as 8 bytes big-endian + cipher suite as 2 bytes big-endian. */
    private static byte[] label(byte[] prefix, long kid, SFrameCipherSuite suite) {
        return ByteBuffer.allocate(prefix.length + 10).put(prefix).putLong(kid).putShort((short) suite.id()).array();
    }

    public SFrameCipherSuite suite() {
        return suite;
    }

    public long kid() {
        return kid;
    }

    /** nonce = sframe_salt XOR CTR encoded big-endian in Nn bytes. */
    byte[] nonce(long ctr) {
        byte[] nonce = salt.clone();
        for (int i = 0; i < 8; i++) {
            nonce[nonce.length - 1 - i] ^= (byte) (ctr >>> (8 * i));
        }
        return nonce;
    }

    byte[] key() {
        return key;
    }

    byte[] salt() {
        return salt;
    }

    @Override
    public String toString() {
        return "SFrameKey[suite=" + suite + ", kid=" + Long.toUnsignedString(kid) + ", secret=<hidden>]";
    }
}
