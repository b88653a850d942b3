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
     * {@code member}'s account key differs from the one this device pinned (someone in between, or
     * an account made anew under that name): the person should compare safety numbers. New devices
     * of the same account are not a change.
     */
    record KeysChanged(String conversation, String member) implements ConversationEvent {
    }

    /**
     * A member of {@code conversation} calls itself {@code username} in its credential, but the
     * server says {@code username} is another account (a name a member gives itself is only a
     * claim). Messages typed to {@code username} go to the real one; that member is not them.
     */
    record NameImpersonated(String conversation, String username) implements ConversationEvent {
    }

    /**
     * The server lists a device of this account ({@code deviceIdHex}) that none of this account's
     * devices approved: its key carries no certificate of the account key. It was not added to
     * {@code conversation} (nor to any other); someone with access to the server may be trying to
     * read along. The person should look at 'parley devices' and remove it with 'parley unlink'.
     */
    record UncertifiedDevice(String conversation, String deviceIdHex) implements ConversationEvent {
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
     * {@code inviter} (empty when unknown), whom this account has not accepted, added this device to
     * a conversation and wrote in it: a message request, announced with its first message and
     * listed by {@link Conversations#requests()} until the person accepts, blocks or deletes it.
     */
    record RequestReceived(String conversation, String inviter) implements ConversationEvent {
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

    /**
     * {@code messages} messages of the conversation could not be read, from {@code sender} (null
     * when the message did not say whose it was), for {@code cause}; {@code detail} is the reason a
     * change was refused (empty otherwise). Show it: it is how a person notices a server that drops,
     * withholds, replays or forks. {@code conversation} is empty when it cannot be known: a copy
     * that the server did not seal to this device's mailbox key (cause {@link Cause#DAMAGED}).
     */
    record Unreadable(String conversation, String sender, int messages, Cause cause, String detail) implements ConversationEvent {
        /** Why, as far as this device can tell. */
        public enum Cause {
            /** Later messages of the sender arrived; these never did (dropped on the way). */
            NEVER_ARRIVED,
            /** They belong to a change of the group that never reached this device (a withheld commit). */
            CHANGE_MISSED,
            /** They belong to another version of the group: members were given different changes (a fork). */
            GROUP_SPLIT,
            /** They belong to an earlier state of the group (a late or replayed copy). */
            OLD_STATE,
            /** Copies of messages already read, delivered again as new mail: the server replayed them. */
            REPLAYED,
            /** They do not decrypt or verify (damaged or forged). */
            DAMAGED,
            /** A change to the group that this device refused (see {@code detail}), e.g. by someone not allowed to make it. */
            REFUSED
        }
    }

    /** A call signal from another device in the conversation {@code groupId}. */
    record CallSignalled(String conversation, Bytes groupId, String sender, CallSignal signal) implements ConversationEvent {
    }
}
