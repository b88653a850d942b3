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

    /** {@code [HH:MM] sender → conversation: text}, preceded by a loud warning when the sender's keys changed. */
    static String line(Conversations.Shown shown) {
        StoredMessage m = shown.message();
        String line = "[" + CLOCK.format(Instant.ofEpochMilli(m.getSentAt())) + "] " + m.getSender() + " → "
                + shown.conversation() + ": " + m.getText() + receipts(m);
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

    static String line(ConversationEvent.Notice notice) {
        return "* " + notice.conversation() + ": " + notice.text();
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
