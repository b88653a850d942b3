package org.parley.mls.crypto;

import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.function.Supplier;

/**
 * The HPKE key derivation functions (RFC 9180 Section 7.2), HKDF over SHA-2, together with the
 * hash and HMAC of the same function that MLS uses (RFC 9420 Section 5.1). The hash and HMAC
 * (and so HKDF-Extract) are the JDK's, created per call: the JVM compiles SHA-2 to the CPU's SHA
 * instructions where there are any, several times faster than BouncyCastle's pure-Java digests,
 * which matters where the input is large or the hashes many: a joiner hashes every node of the
 * tree, and HPKE extracts over the whole encrypted GroupInfo of a Welcome. HKDF-Expand, on short
 * inputs only, stays BouncyCastle's.
 */
public enum Kdf {
    HKDF_SHA256(0x0001, 32, SHA256Digest::new, "SHA-256", "HmacSHA256"),
    HKDF_SHA384(0x0002, 48, SHA384Digest::new, "SHA-384", "HmacSHA384"),
    HKDF_SHA512(0x0003, 64, SHA512Digest::new, "SHA-512", "HmacSHA512");

    private static final byte[] HPKE_V1 = "HPKE-v1".getBytes(StandardCharsets.US_ASCII);

    private final int id;
    private final int nh;
    private final Supplier<Digest> digest;
    private final String jdkDigest;
    private final String jdkMac;

    Kdf(int id, int nh, Supplier<Digest> digest, String jdkDigest, String jdkMac) {
        this.id = id;
        this.nh = nh;
        this.digest = digest;
        this.jdkDigest = jdkDigest;
        this.jdkMac = jdkMac;
    }

    /** The HPKE KDF identifier (RFC 9180 Section 7.2). */
    public int id() {
        return id;
    }

    /** Nh: the output size of the hash and of Extract, in bytes. */
    public int hashLength() {
        return nh;
    }

    public static Kdf fromId(int id) {
        for (Kdf kdf : values()) {
            if (kdf.id == id) {
                return kdf;
            }
        }
        throw new IllegalArgumentException("unsupported HPKE KDF id 0x" + Integer.toHexString(id));
    }

    public byte[] hash(byte[] data) {
        try {
            return MessageDigest.getInstance(jdkDigest).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime provides " + jdkDigest, e);
        }
    }

    public byte[] mac(byte[] key, byte[] data) {
        try {
            Mac hmac = Mac.getInstance(jdkMac);
            // HMAC pads its key with zeros to the block size (RFC 2104), so the empty key, which
            // the JDK's key spec refuses, is the same key as one zero byte.
            hmac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, jdkMac));
            return hmac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime provides " + jdkMac, e);
        }
    }

    /** HKDF-Extract (RFC 5869 Section 2.2); an empty salt means Nh zero bytes. */
    public byte[] extract(byte[] salt, byte[] ikm) {
        return mac(salt.length == 0 ? new byte[nh] : salt, ikm);
    }

    /** HKDF-Expand (RFC 5869 Section 2.3), at most 255 * Nh bytes. */
    public byte[] expand(byte[] prk, byte[] info, int length) {
        if (length < 0 || length > 255 * nh) {
            throw new IllegalArgumentException("HKDF-Expand length " + length + " out of range for " + this);
        }
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(digest.get());
        hkdf.init(HKDFParameters.skipExtractParameters(prk, info));
        byte[] out = new byte[length];
        hkdf.generateBytes(out, 0, length);
        return out;
    }

    /** LabeledExtract (RFC 9180 Section 4). */
    byte[] labeledExtract(byte[] suiteId, byte[] salt, String label, byte[] ikm) {
        return extract(salt, concat(HPKE_V1, suiteId, ascii(label), ikm));
    }

    /** LabeledExpand (RFC 9180 Section 4). */
    byte[] labeledExpand(byte[] suiteId, byte[] prk, String label, byte[] info, int length) {
        byte[] lengthPrefix = {(byte) (length >>> 8), (byte) length};
        return expand(prk, concat(lengthPrefix, HPKE_V1, suiteId, ascii(label), info), length);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }
}
