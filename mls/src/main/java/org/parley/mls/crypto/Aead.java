package org.parley.mls.crypto;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.AEADCipher;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.parley.mls.codec.MlsProtocolException;

import java.util.function.Supplier;

/**
 * The HPKE AEAD algorithms (RFC 9180 Section 7.3), which MLS also uses for message protection
 * (RFC 9420 Section 5.1). {@link #EXPORT_ONLY} has no cipher: an HPKE context with it can only export.
 */
public enum Aead {
    AES_128_GCM(0x0001, 16, 12, () -> GCMBlockCipher.newInstance(AESEngine.newInstance())),
    AES_256_GCM(0x0002, 32, 12, () -> GCMBlockCipher.newInstance(AESEngine.newInstance())),
    CHACHA20_POLY1305(0x0003, 32, 12, ChaCha20Poly1305::new),
    EXPORT_ONLY(0xFFFF, 0, 0, null);

    private static final int TAG_BITS = 128;

    private final int id;
    private final int nk;
    private final int nn;
    private final Supplier<AEADCipher> cipher;

    Aead(int id, int nk, int nn, Supplier<AEADCipher> cipher) {
        this.id = id;
        this.nk = nk;
        this.nn = nn;
        this.cipher = cipher;
    }

    public int id() {
        return id;
    }

    /** Nk: key length in bytes. */
    public int keyLength() {
        return nk;
    }

    /** Nn: nonce length in bytes. */
    public int nonceLength() {
        return nn;
    }

    /** Nt: tag length in bytes (16 for every cipher here). */
    public int tagLength() {
        return TAG_BITS / 8;
    }

    public static Aead fromId(int id) {
        for (Aead aead : values()) {
            if (aead.id == id) {
                return aead;
            }
        }
        throw new IllegalArgumentException("unsupported HPKE AEAD id 0x" + Integer.toHexString(id));
    }

    public byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) {
        AEADCipher c = init(true, key, nonce, aad);
        byte[] out = new byte[c.getOutputSize(plaintext.length)];
        int n = c.processBytes(plaintext, 0, plaintext.length, out, 0);
        try {
            c.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("encryption cannot fail authentication", e);
        }
        return out;
    }

    /** Decrypts and authenticates; a wrong key, nonce, AAD or a modified ciphertext is an {@link MlsProtocolException}. */
    public byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] ciphertext) {
        if (ciphertext.length < tagLength()) {
            throw new MlsProtocolException("AEAD ciphertext of " + ciphertext.length + " bytes is shorter than the "
                    + tagLength() + "-byte tag");
        }
        AEADCipher c = init(false, key, nonce, aad);
        byte[] out = new byte[c.getOutputSize(ciphertext.length)];
        int n = c.processBytes(ciphertext, 0, ciphertext.length, out, 0);
        try {
            c.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            throw new MlsProtocolException("AEAD decryption failed: wrong key or nonce, or the ciphertext or its associated data was modified");
        }
        return out;
    }

    private AEADCipher init(boolean encrypt, byte[] key, byte[] nonce, byte[] aad) {
        if (cipher == null) {
            throw new IllegalStateException("the export-only AEAD cannot encrypt or decrypt");
        }
        if (key.length != nk || nonce.length != nn) {
            throw new IllegalArgumentException(this + " needs a " + nk + "-byte key and a " + nn + "-byte nonce, got "
                    + key.length + " and " + nonce.length);
        }
        AEADCipher c = cipher.get();
        c.init(encrypt, new AEADParameters(new KeyParameter(key), TAG_BITS, nonce, aad));
        return c;
    }
}
