package org.parley.server.groups;

import com.google.protobuf.ByteString;
import org.parley.protocol.CommitAuthority;
import org.parley.server.signatures.Ed25519;

/**
 * A commit as the server checks it (parley.proto, SubmitCommit): it ends {@code epoch} of
 * {@code group}, registers {@code nextEpochKey} as the commit key of epoch + 1, and carries the
 * current epoch's commit-key signature over {@code signedContent}
 * ({@link CommitAuthority#signedContent}, which the caller computed from the request).
 *
 * @param signature       empty when none was sent: only a group's first commit may do without
 * @param verifiedAgainst the commit key the caller already checked {@code signature} against, outside the
 *                        store's transaction (empty when it did not): the store then only compares that key
 *                        with the group's instead of verifying again
 */
public record GroupCommit(RoutingId group, long epoch, CommitId commit, ByteString nextEpochKey, ByteString signedContent,
                          ByteString signature, ByteString verifiedAgainst) {
    /** A commit whose signature the store verifies itself. */
    public GroupCommit(RoutingId group, long epoch, CommitId commit, ByteString nextEpochKey, ByteString signedContent,
                       ByteString signature) {
        this(group, epoch, commit, nextEpochKey, signedContent, signature, ByteString.EMPTY);
    }

    public GroupCommit {
        if (epoch < 0 || epoch == Long.MAX_VALUE) {
            throw new IllegalArgumentException("epoch " + Long.toUnsignedString(epoch) + " cannot be committed to");
        }
        if (nextEpochKey.size() != CommitAuthority.KEY_BYTES) {
            throw new IllegalArgumentException("a commit key is " + CommitAuthority.KEY_BYTES + " bytes, got " + nextEpochKey.size());
        }
        if (!signature.isEmpty() && signature.size() != CommitAuthority.SIGNATURE_BYTES) {
            throw new IllegalArgumentException("a commit signature is " + CommitAuthority.SIGNATURE_BYTES
                    + " bytes, got " + signature.size());
        }
    }

    /** This commit, its signature already found valid under {@code commitKey}. */
    public GroupCommit verifiedAgainst(ByteString commitKey) {
        return new GroupCommit(group, epoch, commit, nextEpochKey, signedContent, signature, commitKey);
    }

    /** Whether {@link #signature} is a valid signature over {@link #signedContent} by {@code commitKey}. */
    public boolean signedBy(ByteString commitKey) {
        return Ed25519.verify(commitKey.toByteArray(), signedContent.toByteArray(), signature.toByteArray());
    }

    @Override
    public String toString() {
        return "GroupCommit[" + group + " epoch " + epoch + "]";
    }
}
