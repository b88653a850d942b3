package org.parley.client.conversations;

import org.parley.mls.group.Group;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Eight bytes that every application message carries in its MLS authenticated_data (RFC 9420
 * section 6.3, sent in the clear): a hash of the sender's epoch_authenticator (section 8.7), which
 * is equal at every member of the same epoch and differs between two versions of one epoch. A
 * member who cannot decrypt a message of its own epoch number and sees a different tag knows that
 * the server gave members different commits (a forked group), not merely a damaged message. The
 * hash keeps the authenticator itself off the wire; the tag reveals only whether two members agree.
 */
final class ForkTag {
    static final int LENGTH = 8;
    private static final byte[] LABEL = "parley-v1-fork-tag".getBytes(StandardCharsets.US_ASCII);

    private ForkTag() {
    }

    static byte[] of(Group group) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(LABEL);
            sha256.update(group.epochAuthenticator());
            return Arrays.copyOf(sha256.digest(), LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** Whether {@code authenticatedData} is a tag, and another than this member's for its epoch. */
    static boolean differs(Group group, byte[] authenticatedData) {
        return authenticatedData.length == LENGTH && !MessageDigest.isEqual(of(group), authenticatedData);
    }
}
