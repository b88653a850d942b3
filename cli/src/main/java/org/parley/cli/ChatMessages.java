package org.parley.cli;

import org.parley.client.conversations.Conversations;
import org.parley.client.local.v1.StoredMessage;

import java.util.HashMap;
import java.util.Map;

/**
 * The messages a chat session has shown, numbered {@code #1, #2, …} in the order they appeared, so
 * that {@code /reply}, {@code /edit}, {@code /delete} and {@code /react} can name one. Messages of
 * other conversations that appear in the chat are numbered too and acted on in their own conversation.
 */
final class ChatMessages {
    static final String HELP = "/reply N TEXT, /edit N TEXT, /delete N, /react N EMOJI (N is the number before a message)";

    private final Conversations conversations;
    private final String self;
    private final Map<Integer, StoredMessage> shown = new HashMap<>();
    private int last;

    /** For the chat of the user {@code self}. */
    ChatMessages(Conversations conversations, String self) {
        this.conversations = conversations;
        this.self = self;
    }

    /** The message's line, numbered; remembers it under that number. */
    synchronized String line(Conversations.Shown message) {
        shown.put(++last, message.message());
        return "#" + last + " " + Messages.line(message, self);
    }

    /** Runs one of the message commands; @return what to show, or null when {@code line} is not one of them. */
    String run(String line, Conversations.Summary conversation) {
        String[] words = line.split("\\s+", 3);
        String command = words[0];
        if (!command.equals("/reply") && !command.equals("/edit") && !command.equals("/delete") && !command.equals("/react")) {
            return null;
        }
        boolean needsText = !command.equals("/delete");
        if (words.length < (needsText ? 3 : 2)) {
            return "usage: " + command + " N" + (command.equals("/react") ? " EMOJI" : needsText ? " TEXT" : "");
        }
        StoredMessage target = numbered(words[1]);
        if (target == null) {
            return "no message " + words[1] + " in this chat; the number is the one before each message, like #3";
        }
        byte[] groupId = target.getGroupId().toByteArray();
        byte[] id = target.getId().toByteArray();
        switch (command) {
            case "/reply" -> {
                StoredMessage reply = conversations.reply(groupId, id, words[2]);
                return line(new Conversations.Shown(conversation.name(), conversation.direct(), reply));
            }
            case "/react" -> {
                conversations.react(groupId, id, words[2]);
                return "reacted " + words[2] + " to " + words[1];
            }
            default -> {
                if (!target.getOutgoing()) {
                    return "you can only " + command.substring(1) + " your own messages";
                }
                if (command.equals("/edit")) {
                    conversations.edit(groupId, id, words[2]);
                    return "edited " + words[1] + " for everyone";
                }
                conversations.delete(groupId, id);
                return "deleted " + words[1] + " for everyone";
            }
        }
    }

    private synchronized StoredMessage numbered(String reference) {
        try {
            return shown.get(Integer.parseInt(reference.startsWith("#") ? reference.substring(1) : reference));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
