package org.parley.client.conversations;

import org.parley.mls.codec.Bytes;
import org.parley.protocol.Padding;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * What a payload looks like to the server: an MLS message's own header names its group and epoch
 * in the clear (RFC 9420 section 6.3), and its length is exact. Before it leaves, every MLS message
 * is wrapped:
 *
 * <ul>
 *   <li>a message of a group (application message, proposal, commit):
 *       {@code 0x01 || nonce (12) || AES-256-GCM(K, nonce, Padding.pad(message), aad = 0x01)}, with K
 *       the group's wrapping key, HKDF-SHA256 (RFC 5869) of the MLS group_id ({@link GroupKey});</li>
 *   <li>a Welcome: {@code 0x02 || Padding.pad(welcome)}. Its joiners do not know the group yet, and
 *       what a Welcome says about the group is already encrypted to them (RFC 9420 section 12.4.3.1).</li>
 * </ul>
 *
 * <p>Padding ({@link Padding}, Padmé buckets) hides exact sizes. A recipient tries the keys of its
 * groups until one opens the wrapping; nothing that does not unwrap reaches MLS.
 */
public final class PayloadWrap {
    /** The first byte of a wrapped message of a group. */
    public static final byte GROUP_MESSAGE = 0x01;
    /** The first byte of a wrapped Welcome. */
    public static final byte WELCOME = 0x02;
    static final int NONCE_BYTES = 12;
    static final int TAG_BYTES = 16;
    /** What wrapping adds to a group message besides padding: the type byte, the nonce and the tag. */
    public static final int GROUP_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

    private static final byte[] SALT = "parley-v1-group-wrap".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] GROUP_AAD = {GROUP_MESSAGE};

    private PayloadWrap() {
    }

    /**
     * A group's wrapping key: HKDF-SHA256 (RFC 5869) with salt "parley-v1-group-wrap", the MLS
     * group_id as input key material and an empty info, 32 bytes: PRK = HMAC(salt, group_id)
     * (section 2.2), then T(1) = HMAC(PRK, 0x01) (section 2.3, one block). Only those who know
     * the group_id (its members, past and present) can derive it; the server knows only the
     * routing id, derived with another salt.
     */
    public static final class GroupKey {
        private final Bytes groupId;
        private final SecretKeySpec key;

        private GroupKey(Bytes groupId, SecretKeySpec key) {
            this.groupId = groupId;
            this.key = key;
        }

        public static GroupKey of(byte[] groupId) {
            byte[] prk = hmacSha256(SALT, groupId);
            byte[] okm = hmacSha256(prk, new byte[] {1});
            GroupKey key = new GroupKey(Bytes.copyOf(groupId), new SecretKeySpec(okm, "AES"));
            Arrays.fill(prk, (byte) 0);
            Arrays.fill(okm, (byte) 0);
            return key;
        }

        /** The MLS group_id this key belongs to. */
        public Bytes groupId() {
            return groupId;
        }

        @Override
        public String toString() {
            return "GroupKey[key hidden]";
        }
    }

    /** What a payload held, once unwrapped. */
    public sealed interface Unwrapped {
        /** An MLS message of the group whose key opened it. */
        record GroupMessage(Bytes groupId, byte[] mlsMessage) implements Unwrapped {
        }

        /** An MLS Welcome. */
        record Welcome(byte[] welcome) implements Unwrapped {
        }
    }

    /** A payload that is not a wrapped message this device can open; the message says why, for the log. */
    public static final class UnwrapException extends Exception {
        UnwrapException(String message) {
            super(message);
        }
    }

    /** Wraps an MLS message of the group whose key this is. */
    public static byte[] wrapGroupMessage(GroupKey key, byte[] mlsMessage, SecureRandom random) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        byte[] sealed;
        try {
            sealed = cipher(Cipher.ENCRYPT_MODE, key, nonce).doFinal(Padding.pad(mlsMessage));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to encrypt", e);
        }
        byte[] out = new byte[1 + NONCE_BYTES + sealed.length];
        out[0] = GROUP_MESSAGE;
        System.arraycopy(nonce, 0, out, 1, NONCE_BYTES);
        System.arraycopy(sealed, 0, out, 1 + NONCE_BYTES, sealed.length);
        return out;
    }

    /** As {@link #wrapGroupMessage(GroupKey, byte[], SecureRandom)}, deriving the group's key. */
    public static byte[] wrapGroupMessage(byte[] groupId, byte[] mlsMessage, SecureRandom random) {
        return wrapGroupMessage(GroupKey.of(groupId), mlsMessage, random);
    }

    /** Wraps an MLS Welcome. */
    public static byte[] wrapWelcome(byte[] welcome) {
        byte[] padded = Padding.pad(welcome);
        byte[] out = new byte[1 + padded.length];
        out[0] = WELCOME;
        System.arraycopy(padded, 0, out, 1, padded.length);
        return out;
    }

    /**
     * Unwraps a payload: a Welcome as it is, a group message with the first of {@code keys} that
     * opens it.
     *
     * @throws UnwrapException when the payload is empty, of an unknown type, truncated, opened by
     *     none of the keys, or badly padded
     */
    public static Unwrapped unwrap(byte[] payload, Iterable<GroupKey> keys) throws UnwrapException {
        if (payload.length == 0) {
            throw new UnwrapException("an empty payload");
        }
        byte type = payload[0];
        if (type == WELCOME) {
            return new Unwrapped.Welcome(unpad(Arrays.copyOfRange(payload, 1, payload.length)));
        }
        if (type != GROUP_MESSAGE) {
            throw new UnwrapException(String.format("a payload of unknown type 0x%02x", type & 0xff));
        }
        if (payload.length < GROUP_OVERHEAD + Padding.MIN_PADDED_BYTES) {
            throw new UnwrapException("a group message of " + payload.length + " bytes, shorter than any wrapped one");
        }
        byte[] nonce = Arrays.copyOfRange(payload, 1, 1 + NONCE_BYTES);
        byte[] sealed = Arrays.copyOfRange(payload, 1 + NONCE_BYTES, payload.length);
        for (GroupKey key : keys) {
            byte[] padded;
            try {
                padded = cipher(Cipher.DECRYPT_MODE, key, nonce).doFinal(sealed);
            } catch (AEADBadTagException wrongKey) {
                continue;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM failed to decrypt", e);
            }
            return new Unwrapped.GroupMessage(key.groupId(), unpad(padded));
        }
        throw new UnwrapException("a group message that the key of no conversation of this device opens");
    }

    private static byte[] unpad(byte[] padded) throws UnwrapException {
        try {
            return Padding.unpad(padded);
        } catch (IllegalArgumentException e) {
            throw new UnwrapException("a badly padded payload: " + e.getMessage());
        }
    }

    /** AES-256-GCM (NIST SP 800-38D) with a 128-bit tag and the type byte as additional data. */
    private static Cipher cipher(int mode, GroupKey key, byte[] nonce) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, key.key, new GCMParameterSpec(TAG_BYTES * Byte.SIZE, nonce));
            cipher.updateAAD(GROUP_AAD);
            return cipher;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime has AES-GCM", e);
        }
    }

    private static byte[] hmacSha256(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime has HMAC-SHA256", e);
        }
    }
}
