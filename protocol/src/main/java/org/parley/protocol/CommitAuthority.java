package org.parley.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What proves to the server that a commit comes from a member of the epoch it ends, without
 * telling the server who the members are (parley.proto, SubmitCommit). Each epoch has a commit
 * key: an Ed25519 key pair whose 32-byte seed is the epoch's MLS exporter output
 * MLS-Exporter({@link #LABEL}, "", {@link #KEY_BYTES}) (RFC 9420 section 8.5), which only the
 * epoch's members can compute. A commit registers the public key of the epoch it creates and is
 * signed with the key of the epoch it ends, over {@link #signedContent}.
 */
public final class CommitAuthority {
    /** The MLS exporter label of the commit key seed. */
    public static final String LABEL = "parley commit authority v1";
    /** Length of the exported seed and of the Ed25519 public key. */
    public static final int KEY_BYTES = 32;
    /** Length of an Ed25519 signature (RFC 8032 section 5.1.6). */
    public static final int SIGNATURE_BYTES = 64;
    /** Shortest and longest routing id (parley.proto SubmitCommit.routing_id). */
    public static final int MIN_ROUTING_ID_BYTES = 16;
    public static final int MAX_ROUTING_ID_BYTES = 64;
    /** Length of the routing id Parley clients derive ({@link #routingId}). */
    public static final int ROUTING_ID_BYTES = 32;

    private static final byte[] CONTEXT = "parley-v1-commit".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ROUTING_SALT = "parley-v1-routing-id".getBytes(StandardCharsets.US_ASCII);

    /**
     * The id under which the server orders a group's commits: HKDF-SHA256 (RFC 5869) with salt
     * "parley-v1-routing-id", the MLS group_id as input key material and an empty info, 32 bytes
     * (one HMAC block: T(1) = HMAC(PRK, 0x01)). Every member computes the same id; the server,
     * which never sees the group_id, cannot turn it back into one.
     */
    public static byte[] routingId(byte[] mlsGroupId) {
        byte[] prk = hmacSha256(ROUTING_SALT, mlsGroupId);
        return hmacSha256(prk, new byte[] {1});
    }

    private static byte[] hmacSha256(byte[] key, byte[] data) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime has HMAC-SHA256", e);
        }
    }

    private CommitAuthority() {
    }

    /**
     * The bytes a commit's signature covers: "parley-v1-commit" || uint8 len(routingId) || routingId
     * || uint64 epoch (big-endian) || SHA-256(commitPayload) || SHA-256(welcomePayload) ||
     * nextEpochKey. A commit without a Welcome hashes the empty array. Binding the group, the
     * epoch, both payloads and the next key means a signature cannot be moved to another group,
     * replayed at another epoch, or reused with a different fan-out or successor key.
     *
     * @param welcomePayload the Welcome's payload, empty when the commit adds nobody
     * @throws IllegalArgumentException if the routing id is not 16 to 64 bytes, the epoch is
     *     negative (above 2^63 - 1 as uint64), or the next epoch key is not 32 bytes
     */
    public static byte[] signedContent(byte[] routingId, long epoch, byte[] commitPayload, byte[] welcomePayload, byte[] nextEpochKey) {
        if (routingId.length < MIN_ROUTING_ID_BYTES || routingId.length > MAX_ROUTING_ID_BYTES) {
            throw new IllegalArgumentException("a routing id is " + MIN_ROUTING_ID_BYTES + " to " + MAX_ROUTING_ID_BYTES
                    + " bytes, got " + routingId.length);
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("an epoch above 2^63 - 1 cannot be committed to");
        }
        if (nextEpochKey.length != KEY_BYTES) {
            throw new IllegalArgumentException("a commit key is " + KEY_BYTES + " bytes, got " + nextEpochKey.length);
        }
        ByteArrayOutputStream content = new ByteArrayOutputStream(CONTEXT.length + 1 + routingId.length + 8 + 3 * KEY_BYTES);
        content.writeBytes(CONTEXT);
        content.write(routingId.length);
        content.writeBytes(routingId);
        content.writeBytes(ByteBuffer.allocate(Long.BYTES).putLong(epoch).array());
        content.writeBytes(sha256(commitPayload));
        content.writeBytes(sha256(welcomePayload));
        content.writeBytes(nextEpochKey);
        return content.toByteArray();
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
