package org.parley.client.keys;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.credentials.BasicCredential;
import org.parley.mls.credentials.Credential;
import org.parley.protocol.Limits;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Who a group member is, carried as the identity of an MLS {@code BasicCredential} (RFC 9420
 * section 5.3): {@code opaque username<V>; opaque account_id[16]; opaque device_id[16];} in the TLS
 * presentation language. The server vouches for none of it: members check it against the identity
 * keys they recorded and compare safety numbers.
 *
 * <p>A username's length is a variable-length integer (RFC 9420 section 2.1.2); below 64 that is
 * one byte holding the length itself, the only encoding allowed for such a length, so the struct is
 * read and written here without an MLS codec.
 *
 * @param account the struct's {@code account_id}
 * @param device the struct's {@code device_id}
 */
public record MemberCredential(String username, Bytes account, Bytes device) {
    private static final int MAX_USERNAME_BYTES = 32;
    /** The largest length a one-byte variable-length integer holds. */
    private static final int MAX_ONE_BYTE_LENGTH = 63;

    public BasicCredential toCredential() {
        byte[] name = username.getBytes(StandardCharsets.UTF_8);
        if (name.length > MAX_ONE_BYTE_LENGTH) {
            throw new IllegalArgumentException("a username of " + name.length + " bytes does not fit a member credential");
        }
        return new BasicCredential(ByteBuffer.allocate(1 + name.length + account.length() + device.length())
                .put((byte) name.length).put(name).put(account.asReadOnlyBuffer()).put(device.asReadOnlyBuffer()).array());
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
            in.get(name).get(account).get(device);
            if (in.hasRemaining()) {
                throw new MlsProtocolException("Parley member credential: " + in.remaining() + " unexpected bytes after device_id");
            }
            return new MemberCredential(new String(name, StandardCharsets.UTF_8), Bytes.copyOf(account), Bytes.copyOf(device));
        } catch (BufferUnderflowException e) {
            throw new MlsProtocolException("Parley member credential: truncated (" + basic.identity().length() + " bytes)");
        }
    }
}
