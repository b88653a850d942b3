package org.parley.client.conversations;

import org.parley.client.store.ProfileStore;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The application messages a conversation processed last, by a SHA-256 hash of their MLS
 * ciphertext, kept in the profile (bounded per conversation) with the group state they moved. A
 * sender whose connection dropped before the server acknowledged a send sends the same bytes again
 * ({@link OutgoingQueue}), and the server may have stored both: the second copy arrives as new mail
 * whose key is already used. A byte-identical copy changes nothing and shows nothing, so it is
 * dropped in silence; a different ciphertext for a used key is still a replay and is reported
 * ({@link UnreadableMessages}). Commits and proposals are not kept: a copy of one is reported.
 */
final class ProcessedCopies {
    /** Hashes kept per conversation: far more than a sender resends after one dropped connection. */
    static final int WINDOW = 256;
    private static final int HASH_BYTES = 32;

    private final ProfileStore profile;

    ProcessedCopies(ProfileStore profile) {
        this.profile = profile;
    }

    /** Whether {@code mlsMessage} is a byte-identical copy of an application message {@code groupId} processed recently. */
    boolean seen(byte[] groupId, byte[] mlsMessage) {
        byte[] stored = profile.get(name(groupId));
        if (stored == null) {
            return false;
        }
        byte[] hash = sha256(mlsMessage);
        for (int at = 0; at + HASH_BYTES <= stored.length; at += HASH_BYTES) {
            if (Arrays.equals(stored, at, at + HASH_BYTES, hash, 0, HASH_BYTES)) {
                return true;
            }
        }
        return false;
    }

    /** Remembers an application message of {@code groupId} that was just processed, forgetting the oldest beyond the window. */
    void processed(byte[] groupId, byte[] mlsMessage) {
        byte[] stored = profile.get(name(groupId));
        int keep = stored == null ? 0 : Math.min(stored.length, (WINDOW - 1) * HASH_BYTES);
        byte[] updated = new byte[keep + HASH_BYTES];
        if (keep > 0) {
            System.arraycopy(stored, stored.length - keep, updated, 0, keep);
        }
        System.arraycopy(sha256(mlsMessage), 0, updated, keep, HASH_BYTES);
        profile.put(name(groupId), updated);
    }

    private static String name(byte[] groupId) {
        return "inbox:processed:" + ConversationStore.hex(groupId);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
