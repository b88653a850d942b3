package org.parley.server.groups;

import com.google.protobuf.ByteString;
import org.parley.protocol.CommitAuthority;

/**
 * A commit as the server checks it (parley.proto, SubmitCommit): it ends {@code epoch} of
 * {@code group}, registers {@code nextEpochKey} as the commit key of epoch + 1, and carries the
 * current epoch's commit-key signature over {@code signedContent}
 * ({@link CommitAuthority#signedContent}, which the caller computed from the request).
 *
 * @param signature empty when none was sent: only a group's first commit may do without
 */
public record GroupCommit(GroupId group, long epoch, CommitId commit, ByteString nextEpochKey, ByteString signedContent,
                          ByteString signature) {
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

    @Override
    public String toString() {
        return "GroupCommit[" + group + " epoch " + epoch + "]";
    }
}
