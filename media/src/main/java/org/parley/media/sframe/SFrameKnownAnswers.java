package org.parley.media.sframe;

/**
 * The intermediate values of RFC 9605 (Sections 4.4.2 to 4.4.4 and 4.5.1) that its Appendix C
 * test vectors list, for conformance checks such as the test kit's vector runner. Applications
 * use {@link SFrameContext}; this class is the one place where the key schedule's secrets and
 * the explicit-counter encryption are reachable from outside the package.
 */
public final class SFrameKnownAnswers {
    private SFrameKnownAnswers() {
    }

    /** The {@code sframe_key_label}: "SFrame 1.0 Secret key " + KID + cipher suite. */
    public static byte[] keyLabel(SFrameCipherSuite suite, long kid) {
        return SFrameKey.keyLabel(kid, suite);
    }

    /** The {@code sframe_salt_label}: "SFrame 1.0 Secret salt " + KID + cipher suite. */
    public static byte[] saltLabel(SFrameCipherSuite suite, long kid) {
        return SFrameKey.saltLabel(kid, suite);
    }

    /** {@code sframe_secret = HKDF-Extract("", base_key)}. */
    public static byte[] secret(SFrameCipherSuite suite, byte[] baseKey) {
        return suite.hkdfExtract(new byte[0], baseKey);
    }

    /** A copy of {@code sframe_key}. */
    public static byte[] key(SFrameKey key) {
        return key.key().clone();
    }

    /** A copy of {@code sframe_salt}. */
    public static byte[] salt(SFrameKey key) {
        return key.salt().clone();
    }

    /** The nonce for a counter: {@code sframe_salt} XOR CTR. */
    public static byte[] nonce(SFrameKey key, long ctr) {
        return key.nonce(ctr);
    }

    /** AEAD.Nka: the length of the AES-CTR encryption key at the front of a CTR+HMAC key (0 for GCM). */
    public static int encryptionKeyLength(SFrameCipherSuite suite) {
        return suite.nka;
    }

    /** AEAD.Encrypt of the suite with a raw key and nonce (Section 4.5.1 for the CTR+HMAC suites). */
    public static byte[] seal(SFrameCipherSuite suite, byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) {
        return suite.seal(key, nonce, aad, plaintext);
    }

    /** AEAD.Decrypt of the suite with a raw key and nonce. */
    public static byte[] open(SFrameCipherSuite suite, byte[] key, byte[] nonce, byte[] aad, byte[] ciphertext)
            throws SFrameException {
        return suite.open(key, nonce, aad, ciphertext);
    }

    /** encrypt() of Section 4.4.3 with an explicit counter. */
    public static byte[] encrypt(SFrameKey key, long ctr, byte[] metadata, byte[] plaintext) {
        return SFrameContext.encrypt(key, ctr, metadata, plaintext);
    }

    /** decrypt() of Section 4.4.4 with a given key. */
    public static byte[] decrypt(SFrameKey key, byte[] metadata, byte[] frame) throws SFrameException {
        return SFrameContext.decrypt(key, SFrameHeader.decode(frame, 0, frame.length), metadata, frame);
    }
}
