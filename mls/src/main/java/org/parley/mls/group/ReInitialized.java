package org.parley.mls.group;

import org.parley.mls.codec.Bytes;

/**
 * The successor of a re-initialised group (RFC 9420 Section 11.2), created at epoch 1, and the
 * Welcome that brings the other members into it (null when there is nobody else to bring).
 */
public record ReInitialized(Group group, Bytes welcomeMessage) {
    @Override
    public String toString() {
        return "ReInitialized[" + group + "]";
    }
}
