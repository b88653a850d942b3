package org.parley.client.attachments;

import org.parley.mls.codec.Bytes;
import org.parley.mls.crypto.Secret;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Encrypts a file for upload with a fresh AES-256-GCM key (one key per file, so a zero nonce
 * prefix is never reused under a key; the nonce is still random and sent in front of the blob).
 * The recipient gets key, SHA-256 digest of the blob and plaintext size inside the encrypted
 * message, and refuses a blob whose digest, tag or size does not match.
 */
public final class AttachmentCipher {
    public static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private AttachmentCipher() {
    }

    /**
     * An encrypted file: upload {@code blob}; send key, digest and size in the message.
     *
     * @param blob the upload body, not a value: handed to HTTP as it is, without a copy
     */
    public record Sealed(Secret key, byte[] blob, Bytes digest, long size) {
        @Override
        public String toString() {
            return "Sealed[" + blob.length + " bytes, key hidden]";
        }
    }

    public static Sealed seal(byte[] plaintext, SecureRandom random) {
        byte[] fresh = new byte[KEY_BYTES];
        random.nextBytes(fresh);
        Secret key = Secret.copyOf(fresh);
        Arrays.fill(fresh, (byte) 0);
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key.copyBytes(), "AES"), new GCMParameterSpec(TAG_BITS, nonce));
            byte[] blob = Arrays.copyOf(nonce, NONCE_BYTES + plaintext.length + TAG_BITS / 8);
            gcm.doFinal(plaintext, 0, plaintext.length, blob, NONCE_BYTES);
            return new Sealed(key, blob, Bytes.copyOf(sha256(blob)), plaintext.length);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from this JDK", e);
        }
    }

    /**
     * Checks and decrypts a downloaded blob.
     *
     * @throws AttachmentException when the blob is not the one the sender described
     */
    public static byte[] open(byte[] blob, Secret key, Bytes digest, long size) {
        if (key.length() != KEY_BYTES) {
            throw new AttachmentException("the attachment key is " + key.length() + " bytes instead of " + KEY_BYTES);
        }
        if (!digest.constantTimeEquals(sha256(blob))) {
            throw new AttachmentException("the downloaded attachment does not match its digest; it was altered or damaged");
        }
        if (blob.length != blobSize(size)) {
            throw new AttachmentException("the downloaded attachment has " + blob.length + " bytes, not the announced size");
        }
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key.copyBytes(), "AES"), new GCMParameterSpec(TAG_BITS, blob, 0, NONCE_BYTES));
            return gcm.doFinal(blob, NONCE_BYTES, blob.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new AttachmentException("the attachment does not decrypt with its key; it was altered");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from this JDK", e);
        }
    }

    /** How many bytes the blob of a {@code size}-byte file has: nonce, ciphertext, tag. */
    static long blobSize(long size) {
        return NONCE_BYTES + size + TAG_BITS / 8;
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
