package org.parley.client.conversations;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** The listeners of a device's conversations, told of every {@link ConversationEvent} in order. */
final class Events {
    private final List<Consumer<ConversationEvent>> listeners = new CopyOnWriteArrayList<>();

    void add(Consumer<ConversationEvent> listener) {
        listeners.add(listener);
    }

    void remove(Consumer<ConversationEvent> listener) {
        listeners.remove(listener);
    }

    void emit(ConversationEvent event) {
        for (Consumer<ConversationEvent> listener : listeners) {
            listener.accept(event);
        }
    }
}
