package org.parley.mls.crypto;

import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;

import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * The HPKE key derivation functions (RFC 9180 Section 7.2), HKDF over SHA-2, together with the
 * hash and HMAC of the same function that MLS uses (RFC 9420 Section 5.1). BouncyCastle's
 * lightweight digests are created per call: that is an allocation, not a provider lookup, and
 * keeps every operation free of shared mutable state.
 */
public enum Kdf {
    HKDF_SHA256(0x0001, 32, SHA256Digest::new),
    HKDF_SHA384(0x0002, 48, SHA384Digest::new),
    HKDF_SHA512(0x0003, 64, SHA512Digest::new);

    private static final byte[] HPKE_V1 = "HPKE-v1".getBytes(StandardCharsets.US_ASCII);

    private final int id;
    private final int nh;
    private final Supplier<Digest> digest;

    Kdf(int id, int nh, Supplier<Digest> digest) {
        this.id = id;
        this.nh = nh;
        this.digest = digest;
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

    Digest newDigest() {
        return digest.get();
    }

    public byte[] hash(byte[] data) {
        Digest d = digest.get();
        d.update(data, 0, data.length);
        byte[] out = new byte[nh];
        d.doFinal(out, 0);
        return out;
    }

    public byte[] mac(byte[] key, byte[] data) {
        HMac hmac = new HMac(digest.get());
        hmac.init(new KeyParameter(key));
        hmac.update(data, 0, data.length);
        byte[] out = new byte[nh];
        hmac.doFinal(out, 0);
        return out;
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
