package org.parley.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** What `parley send` says about a message that waits in the profile, by why it waits. */
class SendCommandQueuedTest {

    @Test
    void aMessageHeldByALimitNamesTheWaitTheServerAskedFor() {
        assertThat(SendCommand.queued(Duration.ofMillis(11_200))).startsWith("queued: the server asked to wait 12 s;");
        assertThat(SendCommand.queued(Duration.ofMillis(1))).startsWith("queued: the server asked to wait 1 s;");
    }

    @Test
    void aMessageCutOffWithItsConnectionDoesNotBlameTheServer() {
        assertThat(SendCommand.queued(Duration.ZERO)).startsWith("queued: the connection dropped before the server confirmed it;")
                .doesNotContain("asked to wait");
    }
}
