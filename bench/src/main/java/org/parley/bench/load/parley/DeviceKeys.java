package org.parley.bench.load.parley;

import com.google.protobuf.ByteString;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.parley.protocol.Auth;
import org.parley.protocol.MailboxSeal;
import org.parley.protocol.v1.Register;

import java.security.SecureRandom;

/**
 * A simulated device's secrets, made fresh: its Ed25519 identity key (answers the server's
 * challenge), its mailbox key pair (the server seals every stored copy to the public half,
 * {@link MailboxSeal}) and its account's sealed-sender access key, which senders must show.
 * None of them is ever printed.
 */
public final class DeviceKeys {

    /** Access keys are 16 to 32 bytes (parley.proto, Register.access_key). */
    public static final int ACCESS_KEY_BYTES = 32;

    private final Ed25519PrivateKeyParameters identityKey;
    private final byte[] mailboxPublicKey;
    /** Opens delivered copies, keeping the contexts of the server's last few sealing windows for this device. */
    private final MailboxSeal.Opener mailboxOpener;
    private volatile ByteString accessKey;

    public DeviceKeys(SecureRandom random) {
        this.identityKey = new Ed25519PrivateKeyParameters(random);
        byte[][] mailbox = MailboxSeal.generateKeyPair();
        this.mailboxPublicKey = mailbox[1];
        this.mailboxOpener = new MailboxSeal.Opener(mailbox[0], mailbox[1], 4);
        this.accessKey = newAccessKey(random);
    }

    public static ByteString newAccessKey(SecureRandom random) {
        byte[] key = new byte[ACCESS_KEY_BYTES];
        random.nextBytes(key);
        return ByteString.copyFrom(key);
    }

    /** The account's current access key, as its contacts know it. */
    public ByteString accessKey() {
        return accessKey;
    }

    /** Takes a new access key (after {@code SetAccessKey} was answered with Ok). */
    public void accessKey(ByteString newKey) {
        accessKey = newKey;
    }

    /** A {@code Register} for {@code username} answering {@code challenge}, with this device's keys. */
    public Register.Builder register(String username, byte[] challenge, String inviteCode) {
        Register.Builder register = Register.newBuilder()
                .setUsername(username)
                .setIdentityKey(ByteString.copyFrom(identityKey.generatePublicKey().getEncoded()))
                .setAccessKey(accessKey)
                .setMailboxKey(ByteString.copyFrom(mailboxPublicKey))
                .setSignature(ByteString.copyFrom(sign(challenge)));
        if (inviteCode != null) {
            register.setInviteCode(inviteCode);
        }
        return register;
    }

    /** Ed25519 over {@code "parley-v1-auth" || challenge} (org.parley.protocol.Auth). */
    private byte[] sign(byte[] challenge) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, identityKey);
        byte[] content = Auth.signedContent(challenge);
        signer.update(content, 0, content.length);
        return signer.generateSignature();
    }

    /**
     * Opens a delivered copy, which the server sealed to this device's mailbox key.
     *
     * @throws IllegalArgumentException when it does not open (damaged, or not sealed to this device)
     */
    public byte[] openDelivered(ByteString sealed) {
        return mailboxOpener.open(sealed.toByteArray());
    }

    @Override
    public String toString() {
        return "DeviceKeys[secrets not shown]";
    }
}
