package org.parley.cli;

import org.parley.client.conversations.Conversations;
import picocli.CommandLine.Option;

/** Where a message goes: the 1:1 with USERNAME (created on first use), or {@code --group NAME}. */
final class Target {
    @Option(names = "--group", paramLabel = "NAME", description = "Send to this group instead of a person.")
    String group;

    /** The conversation, taking the username (when no --group) from the first positional argument. */
    Conversations.Summary resolve(Conversations conversations, String username) {
        if (group != null) {
            return conversations.find(group, false);
        }
        if (username == null || username.isBlank()) {
            throw new IllegalArgumentException("name a USERNAME or give --group NAME");
        }
        return conversations.direct(username);
    }
}
