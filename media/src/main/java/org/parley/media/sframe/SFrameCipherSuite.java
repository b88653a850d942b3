package org.parley.media.sframe;

import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The SFrame cipher suites of RFC 9605 Section 4.5 (IANA registry, Section 8.1). Suites 1-3 use
 * the AES-CTR + HMAC compound AEAD of Section 4.5.1 with truncated tags; 4-5 use AES-GCM.
 */
public enum SFrameCipherSuite {
    AES_128_CTR_HMAC_SHA256_80(0x0001, "HmacSHA256", SHA256Digest::new, 32, 16, 48, 12, 10),
    AES_128_CTR_HMAC_SHA256_64(0x0002, "HmacSHA256", SHA256Digest::new, 32, 16, 48, 12, 8),
    AES_128_CTR_HMAC_SHA256_32(0x0003, "HmacSHA256", SHA256Digest::new, 32, 16, 48, 12, 4),
    AES_128_GCM_SHA256_128(0x0004, "HmacSHA256", SHA256Digest::new, 32, 0, 16, 12, 16),
    AES_256_GCM_SHA512_128(0x0005, "HmacSHA512", SHA512Digest::new, 64, 0, 32, 12, 16);

    private final int id;
    private final String hmac;
    private final Supplier<Digest> hash;
    /** Hash.Nh, AEAD.Nka (0 for GCM), AEAD.Nk, AEAD.Nn and AEAD.Nt of RFC 9605 Section 4.5. */
    final int nh;
    final int nka;
    final int nk;
    final int nn;
    final int nt;

    SFrameCipherSuite(int id, String hmac, Supplier<Digest> hash, int nh, int nka, int nk, int nn, int nt) {
        this.id = id;
        this.hmac = hmac;
        this.hash = hash;
        this.nh = nh;
        this.nka = nka;
        this.nk = nk;
        this.nn = nn;
        this.nt = nt;
    }

    public int id() {
        return id;
    }

    /** Bytes the AEAD adds to a plaintext (the tag). */
    public int tagLength() {
        return nt;
    }

    public static SFrameCipherSuite fromId(int id) {
        for (SFrameCipherSuite suite : values()) {
            if (suite.id == id) {
                return suite;
            }
        }
        throw new IllegalArgumentException("unknown SFrame cipher suite " + id);
    }

    boolean isCtrHmac() {
        return nka != 0;
    }

    byte[] hkdfExtract(byte[] salt, byte[] ikm) {
        return new HKDFBytesGenerator(hash.get()).extractPRK(salt, ikm);
    }

    byte[] hkdfExpand(byte[] prk, byte[] info, int length) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(hash.get());
        hkdf.init(HKDFParameters.skipExtractParameters(prk, info));
        byte[] out = new byte[length];
        hkdf.generateBytes(out, 0, length);
        return out;
    }

    /** AEAD.Encrypt(key, nonce, aad, pt), returning ciphertext with the tag appended. */
    byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) {
        try {
            if (!isCtrHmac()) {
                Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
                gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(nt * 8, nonce));
                gcm.updateAAD(aad);
                return gcm.doFinal(plaintext);
            }
            byte[] out = Arrays.copyOf(ctr(key, nonce, plaintext, plaintext.length), plaintext.length + nt);
            byte[] tag = computeTag(key, nonce, aad, out, plaintext.length);
            System.arraycopy(tag, 0, out, plaintext.length, nt);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks AES or HMAC, which every JDK provides", e);
        }
    }

    /** AEAD.Decrypt(key, nonce, aad, ct); throws when the tag does not verify. */
    byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] ciphertext) throws SFrameException {
        if (ciphertext.length < nt) {
            throw new SFrameException("SFrame ciphertext shorter than its " + nt + "-byte tag");
        }
        int innerLength = ciphertext.length - nt;
        try {
            if (!isCtrHmac()) {
                Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
                gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(nt * 8, nonce));
                gcm.updateAAD(aad);
                return gcm.doFinal(ciphertext);
            }
            byte[] candidate = computeTag(key, nonce, aad, ciphertext, innerLength);
            byte[] tag = Arrays.copyOfRange(ciphertext, innerLength, ciphertext.length);
            if (!MessageDigest.isEqual(candidate, tag)) {
                throw new SFrameException("SFrame authentication failed");
            }
            return ctr(key, nonce, ciphertext, innerLength);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new SFrameException("SFrame authentication failed");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks AES or HMAC, which every JDK provides", e);
        }
    }

    /** AES-CTR with the encryption subkey (first Nka bytes) and counter block nonce || 0x00000000. */
    private byte[] ctr(byte[] key, byte[] nonce, byte[] input, int length) throws GeneralSecurityException {
        byte[] counter = Arrays.copyOf(nonce, 16);
        Cipher aes = Cipher.getInstance("AES/CTR/NoPadding");
        aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, 0, nka, "AES"), new IvParameterSpec(counter));
        return aes.doFinal(input, 0, length);
    }

    /** compute_tag of RFC 9605 Section 4.5.1, with the authentication subkey (the Nh bytes after Nka). */
    private byte[] computeTag(byte[] key, byte[] nonce, byte[] aad, byte[] ct, int ctLength)
            throws GeneralSecurityException {
        Mac mac = Mac.getInstance(hmac);
        mac.init(new SecretKeySpec(key, nka, nh, hmac));
        mac.update(ByteBuffer.allocate(24).putLong(aad.length).putLong(ctLength).putLong(nt).array());
        mac.update(nonce);
        mac.update(aad);
        mac.update(ct, 0, ctLength);
        return Arrays.copyOf(mac.doFinal(), nt);
    }
}
