package org.parley.protocol;

import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.hpke.HPKE;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What the server stores for a device: each copy of a payload sealed to the device's mailbox key
 * with HPKE (RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM: suite
 * 0x0020/0x0001/0x0001; info "parley-v1-mailbox", empty aad). The server holds only public mailbox
 * keys, so its database cannot be read back, and since every seal uses a fresh ephemeral key, the
 * copies of one group message stored for several devices share no bytes: a dump of the database
 * does not show who received the same message. Sealed form: enc (32 bytes) || ciphertext.
 */
public final class MailboxSeal {
    /** Length of a mailbox key (X25519 public or private). */
    public static final int KEY_BYTES = 32;
    /** What sealing adds to a payload: the encapsulated key and the AEAD tag. */
    public static final int OVERHEAD = KEY_BYTES + 16;

    private static final byte[] INFO = "parley-v1-mailbox".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NONE = new byte[0];

    private MailboxSeal() {
    }

    private static HPKE hpke() {
        return new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM128);
    }

    /** A device's mailbox key pair: {@code [privateKey, publicKey]}, 32 bytes each. */
    public static byte[][] generateKeyPair() {
        HPKE hpke = hpke();
        AsymmetricCipherKeyPair pair = hpke.generatePrivateKey();
        return new byte[][] {hpke.serializePrivateKey(pair.getPrivate()), hpke.serializePublicKey(pair.getPublic())};
    }

    /** True when {@code publicKey} is a usable X25519 public key (32 bytes, not all zero). */
    public static boolean isValidPublicKey(byte[] publicKey) {
        if (publicKey == null || publicKey.length != KEY_BYTES) {
            return false;
        }
        for (byte b : publicKey) {
            if (b != 0) {
                return true;
            }
        }
        return false;
    }

    /** Seals {@code payload} to the device whose mailbox public key this is. */
    public static byte[] seal(byte[] mailboxPublicKey, byte[] payload) {
        if (!isValidPublicKey(mailboxPublicKey)) {
            throw new IllegalArgumentException("a mailbox key is " + KEY_BYTES + " bytes of X25519 public key");
        }
        HPKE hpke = hpke();
        try {
            byte[][] sealed = hpke.seal(hpke.deserializePublicKey(mailboxPublicKey), INFO, NONE, payload, null, null, null);
            byte[] out = Arrays.copyOf(sealed[1], sealed[1].length + sealed[0].length);
            System.arraycopy(sealed[0], 0, out, sealed[1].length, sealed[0].length);
            return out;
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("HPKE seal failed", e);
        }
    }

    /**
     * Opens a copy sealed to this device.
     *
     * @throws IllegalArgumentException when it is too short or was not sealed to this key (damaged, or forged)
     */
    public static byte[] open(byte[] mailboxPrivateKey, byte[] mailboxPublicKey, byte[] sealed) {
        if (sealed.length < OVERHEAD) {
            throw new IllegalArgumentException("a sealed mailbox copy is at least " + OVERHEAD + " bytes, got " + sealed.length);
        }
        HPKE hpke = hpke();
        try {
            return hpke.open(Arrays.copyOf(sealed, KEY_BYTES), hpke.deserializePrivateKey(mailboxPrivateKey, mailboxPublicKey),
                    INFO, NONE, Arrays.copyOfRange(sealed, KEY_BYTES, sealed.length), null, null, null);
        } catch (InvalidCipherTextException e) {
            throw new IllegalArgumentException("a mailbox copy that does not open with this device's mailbox key");
        }
    }
}
