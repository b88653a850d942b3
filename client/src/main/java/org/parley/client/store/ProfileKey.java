package org.parley.client.store;

import org.bouncycastle.crypto.generators.SCrypt;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The key that encrypts a profile at rest. It comes either from a passphrase through scrypt
 * (BouncyCastle), or from a random key file readable only by its owner. Values are sealed with
 * AES-256-GCM; lookups use HMAC-SHA256 under a separate sub-key so that equal ids can be found
 * without storing them in the clear.
 */
public final class ProfileKey {
    static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    /** scrypt cost: 2^15 with r=8 takes about 100 ms here and 32 MiB, OWASP's recommended floor. */
    private static final int SCRYPT_N = 1 << 15;

    private final SecretKeySpec sealKey;
    private final SecretKeySpec lookupKey;
    private final SecureRandom random;

    private ProfileKey(byte[] master, SecureRandom random) {
        this.sealKey = new SecretKeySpec(derive(master, "parley profile seal"), "AES");
        this.lookupKey = new SecretKeySpec(derive(master, "parley profile lookup"), "HmacSHA256");
        this.random = random;
        Arrays.fill(master, (byte) 0);
    }

    private static byte[] derive(byte[] master, String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(master, "HmacSHA256"));
            return mac.doFinal(purpose.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    /** Derives the key from a passphrase and the profile's salt. */
    public static ProfileKey fromPassphrase(char[] passphrase, byte[] salt, SecureRandom random) {
        byte[] bytes = new String(passphrase).getBytes(StandardCharsets.UTF_8);
        try {
            return new ProfileKey(SCrypt.generate(bytes, salt, SCRYPT_N, 8, 1, KEY_BYTES), random);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * Reads the random key file, creating it (mode 0600) when {@code create} is set and it does
     * not exist yet.
     */
    public static ProfileKey fromKeyFile(Path file, boolean create, SecureRandom random) {
        try {
            if (create && !Files.exists(file)) {
                byte[] fresh = new byte[KEY_BYTES];
                random.nextBytes(fresh);
                writeOwnerOnly(file, fresh);
            }
            byte[] master = Files.readAllBytes(file);
            if (master.length != KEY_BYTES) {
                throw new ProfileException("the profile key file " + file + " is damaged (" + master.length
                        + " bytes instead of " + KEY_BYTES + "); restore it from a backup");
            }
            return new ProfileKey(master, random);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ProfileException("the profile key file " + file + " is missing; if this profile was made with"
                    + " --passphrase-file, give that option again");
        } catch (IOException e) {
            throw new ProfileException("cannot read the profile key file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeOwnerOnly(Path file, byte[] content) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(file);
        } catch (FileAlreadyExistsException raced) {
            return;
        }
        Files.write(file, content, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** AES-GCM with a random nonce; {@code context} is bound as associated data so values cannot be swapped. */
    public byte[] seal(byte[] plaintext, String context) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, sealKey, new GCMParameterSpec(TAG_BITS, nonce));
            gcm.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = Arrays.copyOf(nonce, NONCE_BYTES + plaintext.length + TAG_BITS / 8);
            gcm.doFinal(plaintext, 0, plaintext.length, sealed, NONCE_BYTES);
            return sealed;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from this JDK", e);
        }
    }

    /** Opens a sealed value; a wrong key or a tampered value is a {@link ProfileException}. */
    public byte[] open(byte[] sealed, String context) {
        if (sealed.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new ProfileException("a stored value of " + context + " is truncated; the profile is damaged");
        }
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, sealKey, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            gcm.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return gcm.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new ProfileException("cannot decrypt " + context + ": wrong passphrase or key file, or a damaged profile");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from this JDK", e);
        }
    }

    /** A stable, keyed stand-in for an identifier, for indexed lookups that reveal nothing. */
    public byte[] lookup(String namespace, byte[] id) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(lookupKey);
            mac.update(namespace.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return mac.doFinal(id);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "ProfileKey[<hidden>]";
    }
}
