package org.parley.client.keys;

import org.parley.client.account.AccountKey;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.credentials.BasicCredential;
import org.parley.mls.credentials.Credential;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.protocol.Limits;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Who a group member is, carried as the identity of an MLS {@code BasicCredential} (RFC 9420
 * section 5.3), in the TLS presentation language:
 *
 * <pre>
 * opaque username&lt;V&gt;;
 * opaque account_id[16];
 * opaque device_id[16];
 * opaque account_key[32];          // the account's Ed25519 identity key
 * opaque device_certificate[64];   // account_key's signature over the leaf's signature key
 * </pre>
 *
 * The server vouches for none of it. What makes a leaf a device of an account is the certificate
 * ({@link #certifies}), the application's credential check that section 5.3.1 leaves to it; which
 * account key belongs to a username is pinned by each client (trust on first use) and compared in
 * safety numbers.
 *
 * <p>A username's length is a variable-length integer (RFC 9420 section 2.1.2); below 64 that is
 * one byte holding the length itself, the only encoding allowed for such a length, so the struct is
 * read and written here without an MLS codec.
 *
 * @param account     the struct's {@code account_id}
 * @param device      the struct's {@code device_id}
 * @param accountKey  the struct's {@code account_key}
 * @param certificate the struct's {@code device_certificate}
 */
public record MemberCredential(String username, Bytes account, Bytes device, Bytes accountKey, Bytes certificate) {
    private static final int MAX_USERNAME_BYTES = 32;
    /** The largest length a one-byte variable-length integer holds. */
    private static final int MAX_ONE_BYTE_LENGTH = 63;

    public MemberCredential {
        if (account.length() != Limits.ACCOUNT_ID_BYTES || device.length() != Limits.DEVICE_ID_BYTES
                || accountKey.length() != AccountKey.PUBLIC_KEY_BYTES || certificate.length() != AccountKey.CERTIFICATE_BYTES) {
            throw new IllegalArgumentException("a member credential holds a 16-byte account id, a 16-byte device id,"
                    + " a 32-byte account key and a 64-byte certificate");
        }
    }

    public BasicCredential toCredential() {
        byte[] name = username.getBytes(StandardCharsets.UTF_8);
        if (name.length > MAX_ONE_BYTE_LENGTH) {
            throw new IllegalArgumentException("a username of " + name.length + " bytes does not fit a member credential");
        }
        return new BasicCredential(ByteBuffer.allocate(1 + name.length + account.length() + device.length() + accountKey.length()
                        + certificate.length())
                .put((byte) name.length).put(name).put(account.asReadOnlyBuffer()).put(device.asReadOnlyBuffer())
                .put(accountKey.asReadOnlyBuffer()).put(certificate.asReadOnlyBuffer()).array());
    }

    /** Whether this credential's account key certifies {@code leafKey} (the leaf's signature key) as a device of its account. */
    public boolean certifies(SignaturePublicKey leafKey) {
        return AccountKey.certifies(accountKey.toByteArray(), account.toByteArray(), leafKey.bytes(), certificate.toByteArray());
    }

    /**
     * Reads a member's credential.
     *
     * @throws MlsProtocolException when it is not a basic credential of this shape
     */
    public static MemberCredential from(Credential credential) {
        if (!(credential instanceof BasicCredential basic)) {
            throw new MlsProtocolException("a Parley member needs a basic credential, got " + credential);
        }
        ByteBuffer in = basic.identity().asReadOnlyBuffer();
        try {
            int length = in.get() & 0xff;
            // A longer prefix (its top bits set) means 64 bytes or more: over the limit in any encoding.
            if (length == 0 || length > MAX_USERNAME_BYTES) {
                throw new MlsProtocolException("credential username of " + (length > MAX_ONE_BYTE_LENGTH ? "over 63" : length)
                        + " bytes (1 to " + MAX_USERNAME_BYTES + " allowed)");
            }
            byte[] name = new byte[length];
            byte[] account = new byte[Limits.ACCOUNT_ID_BYTES];
            byte[] device = new byte[Limits.DEVICE_ID_BYTES];
            byte[] accountKey = new byte[AccountKey.PUBLIC_KEY_BYTES];
            byte[] certificate = new byte[AccountKey.CERTIFICATE_BYTES];
            in.get(name).get(account).get(device).get(accountKey).get(certificate);
            if (in.hasRemaining()) {
                throw new MlsProtocolException("Parley member credential: " + in.remaining() + " unexpected bytes after device_certificate");
            }
            return new MemberCredential(new String(name, StandardCharsets.UTF_8), Bytes.copyOf(account), Bytes.copyOf(device),
                    Bytes.copyOf(accountKey), Bytes.copyOf(certificate));
        } catch (BufferUnderflowException e) {
            throw new MlsProtocolException("Parley member credential: truncated (" + basic.identity().length()
                    + " bytes); it may come from an older Parley, before accounts signed their devices");
        }
    }
}
