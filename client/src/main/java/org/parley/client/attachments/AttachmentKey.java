package org.parley.client.attachments;

import javax.crypto.spec.SecretKeySpec;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * The AES-256-GCM key of one attachment. A secret, so unlike a value type it is never printed,
 * compares in constant time and has a hash code that does not depend on it. The bytes are copied
 * in and out: no caller can change the key inside.
 */
public final class AttachmentKey {
    private final byte[] key;

    private AttachmentKey(byte[] owned) {
        this.key = owned;
    }

    static AttachmentKey generate(SecureRandom random) {
        byte[] key = new byte[AttachmentCipher.KEY_BYTES];
        random.nextBytes(key);
        return new AttachmentKey(key);
    }

    /** A copy of {@code key} as received; its length is checked when it opens a blob. */
    public static AttachmentKey copyOf(byte[] key) {
        return new AttachmentKey(key.clone());
    }

    public int length() {
        return key.length;
    }

    /** A fresh copy of the key, for the message that carries it. */
    public byte[] toByteArray() {
        return key.clone();
    }

    SecretKeySpec aesKey() {
        return new SecretKeySpec(key, "AES");
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof AttachmentKey other && MessageDigest.isEqual(key, other.key);
    }

    /** Constant: a hash of the key would let whoever sees hash-table timing learn about it. */
    @Override
    public int hashCode() {
        return AttachmentKey.class.hashCode();
    }

    @Override
    public String toString() {
        return "AttachmentKey[hidden]";
    }
}
