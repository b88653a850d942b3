package org.parley.client.conversations;

import org.parley.client.local.v1.StoredMessage;

/** Something a person should see: a message that arrived (or was sent from another device), or a change to a conversation. */
public sealed interface ConversationEvent {
    String conversation();

    /**
     * A new message, stored once. {@code identityChanged} is set when the sender's identity keys
     * differ from what this device recorded before: show it loudly.
     */
    record Message(String conversation, StoredMessage message, boolean identityChanged) implements ConversationEvent {
    }

    /** Membership, timer or name changes, and this device being removed. */
    record Notice(String conversation, String text) implements ConversationEvent {
    }

    /** {@code member} confirmed that {@code messages} of this account's messages arrived, or were read. */
    record Receipted(String conversation, String member, boolean read, int messages) implements ConversationEvent {
    }

    /** A call signal from another device in the conversation {@code groupId}. */
    record CallSignalled(String conversation, byte[] groupId, String sender, org.parley.client.content.v1.CallSignal signal)
            implements ConversationEvent {
    }
}
