package org.parley.media.sframe;

import java.util.HashMap;
import java.util.Map;

/**
 * An SFrame key store with encryption and decryption (RFC 9605 Section 4.4). Each KID is
 * registered for sending or for receiving, never both (Section 4.4.1); a sending KID carries
 * its next CTR, which only moves forward so that no (key, nonce) pair is ever reused.
 *
 * <p>Not thread-safe: one context per media pipeline.
 */
public final class SFrameContext {
    private final SFrameCipherSuite suite;
    private final Map<Long, SFrameKey> sendKeys = new HashMap<>();
    private final Map<Long, Long> nextCounter = new HashMap<>();
    private final Map<Long, SFrameKey> receiveKeys = new HashMap<>();

    public SFrameContext(SFrameCipherSuite suite) {
        this.suite = suite;
    }

    public SFrameCipherSuite suite() {
        return suite;
    }

    /** Registers a KID for encryption, starting at CTR 0. */
    public void addSendKey(long kid, byte[] baseKey) {
        requireUnused(kid);
        sendKeys.put(kid, SFrameKey.derive(suite, kid, baseKey));
        nextCounter.put(kid, 0L);
    }

    /** Registers a KID for decryption. */
    public void addReceiveKey(long kid, byte[] baseKey) {
        requireUnused(kid);
        receiveKeys.put(kid, SFrameKey.derive(suite, kid, baseKey));
    }

    /** Forgets a KID, for example the keys of an epoch that ended. */
    public void removeKey(long kid) {
        sendKeys.remove(kid);
        nextCounter.remove(kid);
        receiveKeys.remove(kid);
    }

    private void requireUnused(long kid) {
        if (sendKeys.containsKey(kid) || receiveKeys.containsKey(kid)) {
            throw new IllegalArgumentException("KID " + Long.toUnsignedString(kid) + " already has a key");
        }
    }

    /** encrypt() of RFC 9605 Section 4.4.3 with the KID's next counter. */
    public byte[] encrypt(long kid, byte[] metadata, byte[] plaintext) {
        Long ctr = nextCounter.get(kid);
        if (ctr == null) {
            throw new IllegalArgumentException("KID " + Long.toUnsignedString(kid) + " is not a sending key");
        }
        if (ctr == -1L) {
            throw new IllegalStateException("KID " + Long.toUnsignedString(kid) + " has used every counter; rotate the key");
        }
        nextCounter.put(kid, ctr + 1);
        return encrypt(sendKeys.get(kid), ctr, metadata, plaintext);
    }

    /** encrypt() with an explicit counter (the known-answer checks reach it through {@link SFrameKnownAnswers}). */
    static byte[] encrypt(SFrameKey key, long ctr, byte[] metadata, byte[] plaintext) {
        SFrameHeader header = SFrameHeader.of(key.kid(), ctr);
        byte[] encodedHeader = header.encode();
        byte[] ciphertext = key.suite().seal(key.key(), key.nonce(ctr), concat(encodedHeader, metadata), plaintext);
        return concat(encodedHeader, ciphertext);
    }

    /** decrypt() of RFC 9605 Section 4.4.4. */
    public byte[] decrypt(byte[] metadata, byte[] frame) throws SFrameException {
        SFrameHeader header = SFrameHeader.decode(frame, 0, frame.length);
        SFrameKey key = receiveKeys.get(header.kid());
        if (key == null) {
            throw new UnknownKeyIdException(header.kid());
        }
        return decrypt(key, header, metadata, frame);
    }

    static byte[] decrypt(SFrameKey key, SFrameHeader header, byte[] metadata, byte[] frame) throws SFrameException {
        byte[] encodedHeader = java.util.Arrays.copyOf(frame, header.length());
        byte[] ciphertext = java.util.Arrays.copyOfRange(frame, header.length(), frame.length);
        return key.suite().open(key.key(), key.nonce(header.ctr()), concat(encodedHeader, metadata), ciphertext);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public String toString() {
        return "SFrameContext[suite=" + suite + ", send=" + sendKeys.size() + ", receive=" + receiveKeys.size() + "]";
    }
}
