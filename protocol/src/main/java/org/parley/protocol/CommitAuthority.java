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
    /** Longest MLS group_id the server keeps; one length byte encodes it. */
    public static final int MAX_GROUP_ID_BYTES = 255;

    private static final byte[] CONTEXT = "parley-v1-commit".getBytes(StandardCharsets.US_ASCII);

    private CommitAuthority() {
    }

    /**
     * The bytes a commit's signature covers: "parley-v1-commit" || uint8 len(groupId) || groupId
     * || uint64 epoch (big-endian) || SHA-256(commitPayload) || SHA-256(welcomePayload) ||
     * nextEpochKey. A commit without a Welcome hashes the empty array. Binding the group, the
     * epoch, both payloads and the next key means a signature cannot be moved to another group,
     * replayed at another epoch, or reused with a different fan-out or successor key.
     *
     * @param welcomePayload the Welcome's payload, empty when the commit adds nobody
     * @throws IllegalArgumentException if the group id is not 1 to 255 bytes, the epoch is
     *     negative (above 2^63 - 1 as uint64), or the next epoch key is not 32 bytes
     */
    public static byte[] signedContent(byte[] groupId, long epoch, byte[] commitPayload, byte[] welcomePayload, byte[] nextEpochKey) {
        if (groupId.length < 1 || groupId.length > MAX_GROUP_ID_BYTES) {
            throw new IllegalArgumentException("a group id is 1 to " + MAX_GROUP_ID_BYTES + " bytes, got " + groupId.length);
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("an epoch above 2^63 - 1 cannot be committed to");
        }
        if (nextEpochKey.length != KEY_BYTES) {
            throw new IllegalArgumentException("a commit key is " + KEY_BYTES + " bytes, got " + nextEpochKey.length);
        }
        ByteArrayOutputStream content = new ByteArrayOutputStream(CONTEXT.length + 1 + groupId.length + 8 + 3 * KEY_BYTES);
        content.writeBytes(CONTEXT);
        content.write(groupId.length);
        content.writeBytes(groupId);
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
