package org.parley.client.conversations;

/** A conversation operation that cannot be done as asked; the message tells the user what to do. */
public final class ConversationException extends RuntimeException {
    public ConversationException(String message) {
        super(message);
    }

    public ConversationException(String message, Throwable cause) {
        super(message, cause);
    }
}
