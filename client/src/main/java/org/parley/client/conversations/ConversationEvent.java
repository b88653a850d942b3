package org.parley.client.conversations;

import org.parley.client.content.v1.CallSignal;
import org.parley.client.local.v1.StoredMessage;
import org.parley.mls.codec.Bytes;

import java.util.List;

/**
 * Something a person should see: a message that arrived (or was sent from another device), or a
 * change to a conversation. Events carry facts, never wording: each front end says them in its own
 * words. {@link #conversation()} is the conversation's name on this device.
 */
public sealed interface ConversationEvent {
    String conversation();

    /**
     * A new message, stored once. {@code identityChanged} is set when the sender's identity keys
     * differ from what this device recorded before: show it loudly.
     */
    record Message(String conversation, StoredMessage message, boolean identityChanged) implements ConversationEvent {
    }

    /** A commit added every device of these users (or more devices of them). */
    record MembersAdded(String conversation, List<String> usernames) implements ConversationEvent {
        public MembersAdded {
            usernames = List.copyOf(usernames);
        }
    }

    /** A commit removed devices of these users. */
    record MembersRemoved(String conversation, List<String> usernames) implements ConversationEvent {
        public MembersRemoved {
            usernames = List.copyOf(usernames);
        }
    }

    /** A commit removed this device: the conversation is over for it. */
    record RemovedSelf(String conversation) implements ConversationEvent {
    }

    /**
     * {@code member}'s identity keys differ from those this device recorded (a new device, or
     * someone in between): the person should compare safety numbers.
     */
    record KeysChanged(String conversation, String member) implements ConversationEvent {
    }

    /** {@code member} replaced the text of one of their messages with {@code text}. */
    record MessageEdited(String conversation, String member, String text) implements ConversationEvent {
    }

    /** {@code member} deleted one of their messages for everyone. */
    record MessageDeleted(String conversation, String member) implements ConversationEvent {
    }

    /** {@code member} reacted to a message with {@code emoji} (empty: took the reaction back). */
    record Reacted(String conversation, String member, String emoji) implements ConversationEvent {
    }

    /** {@code member} set disappearing messages to {@code seconds} (0: off). */
    record TimerChanged(String conversation, String member, int seconds) implements ConversationEvent {
    }

    /** {@code member} confirmed that {@code messages} of this account's messages arrived, or were read. */
    record Receipted(String conversation, String member, boolean read, int messages) implements ConversationEvent {
    }

    /**
     * {@code member}, an admin, changed the group's settings: renamed it (from {@code previousName},
     * the same as {@code conversation} when the name did not change) or made someone an admin.
     */
    record SettingsChanged(String conversation, String member, String previousName, List<String> admins) implements ConversationEvent {
        public SettingsChanged {
            admins = List.copyOf(admins);
        }
    }

    /**
     * An invitation into a conversation was refused because the conversation breaks Parley's rules
     * (for example a group that claims to be a 1:1 but holds a third person); {@code reason} says
     * who invited and what was wrong. No conversation was made: {@code conversation} is empty.
     */
    record InvitationRefused(String conversation, String reason) implements ConversationEvent {
    }

    /** A call signal from another device in the conversation {@code groupId}. */
    record CallSignalled(String conversation, Bytes groupId, String sender, CallSignal signal) implements ConversationEvent {
    }
}
