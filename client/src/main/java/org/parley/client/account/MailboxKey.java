package org.parley.client.account;

import org.parley.protocol.MailboxSeal;

/**
 * This device's mailbox key pair (X25519): the server seals every copy it stores for the device to
 * the public half ({@link MailboxSeal}, HPKE, RFC 9180), so that its database holds nothing it can
 * read back and no two stored copies of one message look alike. The private half never leaves the
 * profile and never appears in a log or {@code toString}.
 */
public final class MailboxKey {
    /** Sealing windows whose HPKE context is kept, so that each window of copies costs one X25519 operation. */
    private static final int KEPT_WINDOWS = 64;

    private final byte[] privateKey;
    private final byte[] publicKey;
    private final MailboxSeal.Opener opener;

    private MailboxKey(byte[] privateKey, byte[] publicKey) {
        this.privateKey = privateKey.clone();
        this.publicKey = publicKey.clone();
        this.opener = new MailboxSeal.Opener(privateKey, publicKey, KEPT_WINDOWS);
    }

    /** A fresh key pair for a device being registered or linked. */
    public static MailboxKey generate() {
        byte[][] pair = MailboxSeal.generateKeyPair();
        return new MailboxKey(pair[0], pair[1]);
    }

    /**
     * The key pair as the profile keeps it.
     *
     * @throws IllegalArgumentException when either half is not 32 bytes or the public key is unusable
     */
    static MailboxKey of(byte[] privateKey, byte[] publicKey) {
        if (privateKey.length != MailboxSeal.KEY_BYTES || !MailboxSeal.isValidPublicKey(publicKey)) {
            throw new IllegalArgumentException("a mailbox key pair is two X25519 keys of " + MailboxSeal.KEY_BYTES + " bytes");
        }
        return new MailboxKey(privateKey, publicKey);
    }

    /** The public half, which the server seals this device's copies to. */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    byte[] privateKey() {
        return privateKey.clone();
    }

    /**
     * A copy the server stored for this device, opened.
     *
     * @throws IllegalArgumentException when it was not sealed to this key (damaged, forged, or stored unsealed)
     */
    public byte[] open(byte[] sealed) {
        return opener.open(sealed);
    }

    @Override
    public String toString() {
        return "MailboxKey[private key hidden]";
    }
}
