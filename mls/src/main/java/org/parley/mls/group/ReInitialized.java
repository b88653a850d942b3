package org.parley.mls.group;

/**
 * The successor of a re-initialised group (RFC 9420 Section 11.2), created at epoch 1, and the
 * Welcome that brings the other members into it.
 */
public record ReInitialized(Group group, byte[] welcomeMessage) {
    public ReInitialized {
        welcomeMessage = welcomeMessage == null ? null : welcomeMessage.clone();
    }

    @Override
    public byte[] welcomeMessage() {
        return welcomeMessage == null ? null : welcomeMessage.clone();
    }

    @Override
    public String toString() {
        return "ReInitialized[" + group + "]";
    }
}
