package org.parley.protocol;

import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.hpke.HPKEContext;
import org.bouncycastle.crypto.hpke.HPKEContextWithEncapsulation;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the server stores for a device: each copy of a payload sealed to the device's mailbox key
 * with HPKE (RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM: suite
 * 0x0020/0x0001/0x0001; info "parley-v1-mailbox"). The server holds only public mailbox keys, so
 * its database cannot be read back.
 *
 * <p>One HPKE context (one encapsulation, two X25519 operations) seals a {@link Window} of copies
 * for one device: copy number {@code seq} is sealed with AES-128-GCM under the key and nonce the
 * context exports for it (RFC 9180 Section 5.3, Secret Export: exporter_context
 * "parley-v1-mailbox copy" || I2OSP(seq, 4), 16 + 12 bytes), so each copy has a key of its own and
 * a device opens copies in any order. The server forgets a window's context after a few seconds,
 * so a later snapshot of its memory opens no stored copy. Copies for different devices come from
 * different contexts: the copies of one group message stored for several devices share no bytes,
 * and a dump of the database does not show who received the same message. Sealed form:
 * enc (32 bytes) || seq (4 bytes, big-endian) || AES-128-GCM ciphertext with its tag, empty aad.
 * An {@link Opener} also opens the form servers stored before windows: enc || single-shot HPKE
 * ciphertext.
 */
public final class MailboxSeal {
    /** Length of a mailbox key (X25519 public or private). */
    public static final int KEY_BYTES = 32;
    /** Length of a copy's number in its window. */
    public static final int SEQUENCE_BYTES = 4;
    /** AES-128-GCM's tag. */
    private static final int TAG_BYTES = 16;
    /** What sealing adds to a payload: the encapsulated key, the copy's number and the AEAD tag. */
    public static final int OVERHEAD = KEY_BYTES + SEQUENCE_BYTES + TAG_BYTES;
    /** The shortest copy in the form servers stored before windows: enc and the tag. */
    private static final int SINGLE_SHOT_OVERHEAD = KEY_BYTES + TAG_BYTES;

    private static final byte[] INFO = "parley-v1-mailbox".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COPY_LABEL = "parley-v1-mailbox copy".getBytes(StandardCharsets.US_ASCII);
    /** AES-128-GCM's Nk and Nn (RFC 9180 Section 7.3). */
    private static final int COPY_KEY_BYTES = 16;
    private static final int COPY_NONCE_BYTES = 12;
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

    /** Seals {@code payload} alone to the device whose mailbox public key this is (a window of one copy). */
    public static byte[] seal(byte[] mailboxPublicKey, byte[] payload) {
        return new Window(mailboxPublicKey, 1).seal(payload);
    }

    /**
     * Opens one copy sealed to this device; a device that opens many keeps an {@link Opener}.
     *
     * @throws IllegalArgumentException when it is too short or was not sealed to this key (damaged, or forged)
     */
    public static byte[] open(byte[] mailboxPrivateKey, byte[] mailboxPublicKey, byte[] sealed) {
        return new Opener(mailboxPrivateKey, mailboxPublicKey, 1).open(sealed);
    }

    /**
     * The AES-128-GCM of copy {@code seq} of a context, under the key and nonce the context exports
     * for it. The JDK's GCM (AES-NI and carry-less multiply) costs about a quarter of BouncyCastle's
     * here; a cipher is made per copy, so no thread keeps a copy's key after it is done.
     */
    private static Cipher copyGcm(int mode, HPKEContext context, int seq) throws GeneralSecurityException {
        byte[] exporterContext = Arrays.copyOf(COPY_LABEL, COPY_LABEL.length + SEQUENCE_BYTES);
        ByteBuffer.wrap(exporterContext, COPY_LABEL.length, SEQUENCE_BYTES).putInt(seq);
        byte[] keyAndNonce = context.export(exporterContext, COPY_KEY_BYTES + COPY_NONCE_BYTES);
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(mode, new SecretKeySpec(keyAndNonce, 0, COPY_KEY_BYTES, "AES"),
                    new GCMParameterSpec(TAG_BYTES * 8, keyAndNonce, COPY_KEY_BYTES, COPY_NONCE_BYTES));
            return gcm;
        } finally {
            Arrays.fill(keyAndNonce, (byte) 0);
        }
    }

    /**
     * Up to {@code capacity} copies for one device under one HPKE context. Thread-safe. Its secret
     * is in memory only, for as long as its holder keeps it: the holder decides how long a window
     * lives, and a short life keeps a memory snapshot from opening what was stored before.
     */
    public static final class Window {
        private final byte[] recipientKey;
        private final HPKEContextWithEncapsulation context;
        private final int capacity;
        private int sealed;

        /**
         * @throws IllegalArgumentException when the key is not a usable X25519 public key or the capacity is not positive
         */
        public Window(byte[] mailboxPublicKey, int capacity) {
            if (!isValidPublicKey(mailboxPublicKey)) {
                throw new IllegalArgumentException("a mailbox key is " + KEY_BYTES + " bytes of X25519 public key");
            }
            if (capacity < 1) {
                throw new IllegalArgumentException("a window holds at least one copy");
            }
            HPKE hpke = hpke();
            this.recipientKey = mailboxPublicKey.clone();
            this.context = hpke.setupBaseS(hpke.deserializePublicKey(mailboxPublicKey), INFO);
            this.capacity = capacity;
        }

        /** Whether this window seals to {@code mailboxPublicKey} (a device that replaced its key needs a new one). */
        public boolean isFor(byte[] mailboxPublicKey) {
            return Arrays.equals(recipientKey, mailboxPublicKey);
        }

        /** Whether every copy number has been used. */
        public synchronized boolean isFull() {
            return sealed == capacity;
        }

        /**
         * The next copy of this window.
         *
         * @throws IllegalStateException when the window is full
         */
        public synchronized byte[] seal(byte[] payload) {
            if (sealed == capacity) {
                throw new IllegalStateException("this mailbox window is full; open another");
            }
            int seq = sealed++;
            // Sealed straight into the copy, after its header: no ciphertext array to copy over.
            byte[] copy = new byte[KEY_BYTES + SEQUENCE_BYTES + payload.length + TAG_BYTES];
            ByteBuffer.wrap(copy).put(context.getEncapsulation()).putInt(seq);
            try {
                copyGcm(Cipher.ENCRYPT_MODE, context, seq).doFinal(payload, 0, payload.length, copy, KEY_BYTES + SEQUENCE_BYTES);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK's AES-128-GCM failed to seal", e);
            }
            return copy;
        }

        @Override
        public String toString() {
            return "MailboxSeal.Window[secret hidden]";
        }
    }

    /**
     * Opens the copies sealed to one device, keeping the HPKE contexts of the last {@code contexts}
     * windows it saw so that each window costs one X25519 operation. Thread-safe.
     */
    public static final class Opener {
        private final AsymmetricCipherKeyPair keyPair;
        private final Map<ByteBuffer, HPKEContext> windows;

        public Opener(byte[] mailboxPrivateKey, byte[] mailboxPublicKey, int contexts) {
            this.keyPair = hpke().deserializePrivateKey(mailboxPrivateKey, mailboxPublicKey);
            this.windows = new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<ByteBuffer, HPKEContext> eldest) {
                    return size() > contexts;
                }
            };
        }

        /**
         * A copy sealed to this device, opened.
         *
         * @throws IllegalArgumentException when it is too short or was not sealed to this key (damaged, or forged)
         */
        public synchronized byte[] open(byte[] sealed) {
            if (sealed.length < SINGLE_SHOT_OVERHEAD) {
                throw new IllegalArgumentException("a sealed mailbox copy is at least " + SINGLE_SHOT_OVERHEAD + " bytes, got " + sealed.length);
            }
            if (sealed.length < OVERHEAD) {
                return openSingleShot(sealed);
            }
            ByteBuffer enc = ByteBuffer.wrap(Arrays.copyOf(sealed, KEY_BYTES));
            int seq = ByteBuffer.wrap(sealed, KEY_BYTES, SEQUENCE_BYTES).getInt();
            HPKEContext context = windows.get(enc);
            boolean known = context != null;
            try {
                if (!known) {
                    context = hpke().setupBaseR(enc.array(), keyPair, INFO);
                }
                byte[] payload = copyGcm(Cipher.DECRYPT_MODE, context, seq).doFinal(sealed, KEY_BYTES + SEQUENCE_BYTES,
                        sealed.length - KEY_BYTES - SEQUENCE_BYTES);
                if (!known) {
                    // Only a context that opened a copy is kept: forged encapsulations cannot push out real ones.
                    windows.put(enc, context);
                }
                return payload;
            } catch (AEADBadTagException | IllegalArgumentException | IllegalStateException notWindowed) {
                return openSingleShot(sealed);
            } catch (GeneralSecurityException e) {
                // Not a copy that fails to open: a JDK without AES-GCM is a broken installation, said as such.
                throw new IllegalStateException("the JDK's AES-128-GCM failed to open", e);
            }
        }

        /**
         * A copy in the form servers stored before windows (schema V6 and earlier): enc || the
         * ciphertext of HPKE's single-shot seal, so that mail waiting across the upgrade still opens.
         * Both forms are authenticated, so no copy opens as both.
         */
        private byte[] openSingleShot(byte[] sealed) {
            HPKE hpke = hpke();
            try {
                return hpke.open(Arrays.copyOf(sealed, KEY_BYTES), keyPair, INFO, NONE, Arrays.copyOfRange(sealed, KEY_BYTES, sealed.length),
                        null, null, null);
            } catch (InvalidCipherTextException | IllegalArgumentException | IllegalStateException e) {
                throw new IllegalArgumentException("a mailbox copy that does not open with this device's mailbox key");
            }
        }

        @Override
        public String toString() {
            return "MailboxSeal.Opener[private key hidden]";
        }
    }
}
