package org.parley.mls.group;

import org.parley.mls.codec.Bytes;

import java.util.Objects;

/**
 * The result of joining (or resynchronising) by external Commit (RFC 9420 Section 12.4.3.2):
 * the Commit to send, and the group as it is once the delivery service accepts it. If the
 * delivery service rejects the Commit, drop {@code group} and try again with a fresh GroupInfo.
 */
public record ExternalJoin(Bytes commitMessage, Group group) {
    public ExternalJoin {
        Objects.requireNonNull(commitMessage, "commitMessage");
    }

    @Override
    public String toString() {
        return "ExternalJoin[" + group + "]";
    }
}
