package org.parley.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.conversations.Conversations;
import org.parley.client.local.v1.StoredMessage;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/** How messages and notices are shown: one line for people, or one JSON object per line for programs. */
final class Messages {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneId.systemDefault());
    static final ObjectMapper JSON = new ObjectMapper();

    private Messages() {
    }

    /**
     * {@code [HH:MM] sender → conversation: text} as {@code self} sees it, preceded by a loud warning
     * when the sender's keys changed. A 1:1 is named after the other person, so there the arrow
     * points at whoever the sender wrote to: the other person, or {@code self}.
     */
    static String line(Conversations.Shown shown, String self) {
        StoredMessage m = shown.message();
        String to = shown.direct() && !m.getSender().equals(self) ? self : shown.conversation();
        String line = "[" + CLOCK.format(Instant.ofEpochMilli(m.getSentAt())) + "] " + m.getSender() + " → "
                + to + ": " + m.getText() + receipts(m);
        return m.getIdentityChanged() ? SafetyNumberCommand.changedWarning(m.getSender()) + "\n" + line : line;
    }

    /** For this account's messages: who has read it, else who has it. */
    private static String receipts(StoredMessage m) {
        if (!m.getOutgoing()) {
            return "";
        }
        if (m.getReadByCount() > 0) {
            return "  ✓✓ read by " + String.join(", ", m.getReadByList());
        }
        return m.getDeliveredToCount() > 0 ? "  ✓ delivered to " + String.join(", ", m.getDeliveredToList()) : "";
    }

    static String line(ConversationEvent.Receipted receipt) {
        return "* " + receipt.conversation() + ": " + (receipt.read() ? "✓✓ read by " : "✓ delivered to ") + receipt.member()
                + (receipt.messages() == 1 ? "" : " (" + receipt.messages() + " messages)");
    }

    /**
     * {@code * conversation: what changed} for a change to a conversation (members, keys, edits,
     * deletions, reactions, the timer, its settings) or a refused invitation; null for messages,
     * receipts and call signals, which are shown their own way.
     */
    static String notice(ConversationEvent event) {
        String text;
        if (event instanceof ConversationEvent.MembersAdded added) {
            text = "added " + String.join(", ", added.usernames());
        } else if (event instanceof ConversationEvent.MembersRemoved removed) {
            text = "removed " + String.join(", ", removed.usernames());
        } else if (event instanceof ConversationEvent.RemovedSelf) {
            text = "you were removed from this conversation";
        } else if (event instanceof ConversationEvent.KeysChanged changed) {
            text = "WARNING: " + changed.member() + "'s account key CHANGED; compare safety numbers ('parley safety-number "
                    + changed.member() + "')";
        } else if (event instanceof ConversationEvent.NameImpersonated impersonated) {
            text = "WARNING: a member of this conversation called itself " + impersonated.username() + ", but the server says "
                    + impersonated.username() + " is another account. It is not " + impersonated.username() + "; to write to the real "
                    + impersonated.username() + ", use 'parley send " + impersonated.username() + "'";
        } else if (event instanceof ConversationEvent.UncertifiedDevice device) {
            text = "WARNING: the server lists a device of your account (" + device.deviceIdHex() + ") that none of your devices"
                    + " approved; it was not added. Check 'parley devices' and remove it with 'parley unlink'";
        } else if (event instanceof ConversationEvent.MessageEdited edited) {
            text = edited.member() + " edited a message: " + edited.text();
        } else if (event instanceof ConversationEvent.MessageDeleted deleted) {
            text = deleted.member() + " deleted a message";
        } else if (event instanceof ConversationEvent.Reacted reacted) {
            text = reacted.member() + " reacted " + reacted.emoji();
        } else if (event instanceof ConversationEvent.TimerChanged timer) {
            text = timer.member() + " set disappearing messages to " + (timer.seconds() == 0 ? "off" : timer.seconds() + " s");
        } else if (event instanceof ConversationEvent.SettingsChanged settings) {
            text = (settings.previousName().equals(settings.conversation()) ? settings.member() + " changed the admins"
                    : settings.member() + " renamed the group (it was " + settings.previousName() + ")")
                    + "; admins: " + (settings.admins().isEmpty() ? "none left" : String.join(", ", settings.admins()));
        } else if (event instanceof ConversationEvent.InvitationRefused refused) {
            return "* WARNING: " + refused.reason() + ". Nothing was shared with it; if you expected an invitation, ask who sent it";
        } else if (event instanceof ConversationEvent.Unreadable unreadable) {
            text = "WARNING: " + unreadable(unreadable);
            if (unreadable.conversation().isEmpty()) {
                // A copy that did not open names no conversation.
                return "* " + text;
            }
        } else {
            return null;
        }
        return "* " + event.conversation() + ": " + text;
    }

    /**
     * {@code Message request from zed in 'party' (2 messages): parley accept zed | parley block zed |
     * parley delete party}: what a request is and the three ways to answer it.
     */
    static String line(Conversations.Request request) {
        // A 1:1 is named after its inviter as the server confirms it, or as it calls itself: "zed (unconfirmed)".
        String from = request.inviter().isEmpty() ? "" : " from " + (request.direct() ? request.conversation() : request.inviter());
        String in = request.direct() ? "" : " in '" + request.conversation() + "'";
        String accept = request.inviter().isEmpty() ? argument(request.conversation()) : request.inviter();
        return "Message request" + from + in + " (" + request.messages() + (request.messages() == 1 ? " message" : " messages")
                + "): parley accept " + accept + (request.inviter().isEmpty() ? "" : " | parley block " + request.inviter())
                + " | parley delete " + argument(request.conversation());
    }

    /** A conversation's name as one shell argument, quoted when it holds a space. */
    private static String argument(String name) {
        return name.contains(" ") ? "'" + name.replace("'", "'\\''") + "'" : name;
    }

    static ObjectNode json(Conversations.Request request) {
        ObjectNode node = JSON.createObjectNode();
        node.put("conversation", request.conversation());
        node.put("inviter", request.inviter());
        node.put("direct", request.direct());
        node.put("messages", request.messages());
        return node;
    }

    /** "3 messages from bob could not be read: why, and what to do". */
    private static String unreadable(ConversationEvent.Unreadable event) {
        String what = event.messages() == 1 ? "1 message" : event.messages() + " messages";
        String from = event.sender() == null ? "" : " from " + event.sender();
        return switch (event.cause()) {
            case NEVER_ARRIVED -> what + from + " never arrived: the server dropped them; ask " + (event.sender() == null
                    ? "the sender" : event.sender()) + " to send again";
            case CHANGE_MISSED -> what + from + " could not be read: a change to the group never reached this device"
                    + " (the server withheld it); ask a member to remove and add you again";
            case GROUP_SPLIT -> what + from + " could not be read: the server gave members different versions of this group;"
                    + " compare with the others, and start a new group if it stays split";
            case OLD_STATE -> what + from + " could not be read: sent in an earlier state of the group (a late or replayed copy)";
            case REPLAYED -> what + from + " arrived again as new mail after being read: the server replayed them; nothing changed";
            case DAMAGED -> what + from + " could not be read: damaged or forged on the way";
            case REFUSED -> "a change to the group was refused: " + event.detail();
        };
    }

    static ObjectNode json(Conversations.Shown shown) {
        StoredMessage m = shown.message();
        ObjectNode node = JSON.createObjectNode();
        node.put("id", HexFormat.of().formatHex(m.getId().toByteArray()));
        node.put("conversation", shown.conversation());
        node.put("sender", m.getSender());
        node.put("sent_at", m.getSentAt());
        node.put("text", m.getText());
        var attachments = node.putArray("attachments");
        if (!m.getAttachmentPath().isEmpty()) {
            attachments.add(m.getAttachmentPath());
        }
        if (m.getIdentityChanged()) {
            node.put("identity_changed", true);
        }
        return node;
    }
}
