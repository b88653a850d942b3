package org.parley.cli;

import org.parley.client.ParleyClient;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.local.v1.StoredMessage;

import java.util.HexFormat;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The ids of the messages a client's view showed, in order, repeats kept: what the exactly-once checks count. */
final class ShownMessages {
    private final Queue<String> ids = new ConcurrentLinkedQueue<>();

    ShownMessages(ParleyClient client) {
        client.conversations().addListener(event -> {
            if (event instanceof ConversationEvent.Message message) {
                ids.add(id(message.message()));
            }
        });
    }

    /** A message's id in hex, as the checks name it. */
    static String id(StoredMessage message) {
        return HexFormat.of().formatHex(message.getId().toByteArray());
    }

    boolean contains(String id) {
        return ids.contains(id);
    }

    /** How many times each id was shown. */
    Map<String, Long> counts() {
        return ids.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }
}
