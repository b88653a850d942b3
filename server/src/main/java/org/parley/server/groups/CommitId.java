package org.parley.server.groups;

import org.parley.server.storage.OpaqueId;

/**
 * Names a commit so that a client that lost a race knows which commit won, for example a hash
 * of the commit message chosen by the sender: opaque, 1 to 64 bytes.
 */
public final class CommitId extends OpaqueId {
    public static final int MAX_LENGTH = 64;

    private CommitId(byte[] bytes) {
        super(bytes, 1, MAX_LENGTH);
    }

    public static CommitId of(byte[] bytes) {
        return new CommitId(bytes);
    }
}
