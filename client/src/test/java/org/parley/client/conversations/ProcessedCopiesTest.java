package org.parley.client.conversations;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The window of processed application messages: exact copies only, per conversation, bounded, kept across a restart. */
class ProcessedCopiesTest extends ProfileStoreTestBase {
    private ProcessedCopies open() {
        return new ProcessedCopies(openProfile());
    }

    private static byte[] message(int n) {
        return ("ciphertext " + n).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void onlyAByteIdenticalCopyInTheSameConversationIsSeen() {
        ProcessedCopies copies = open();
        copies.processed(GROUP, message(1));

        assertThat(copies.seen(GROUP, message(1))).isTrue();
        byte[] oneBitOff = message(1);
        oneBitOff[oneBitOff.length - 1] ^= 1;
        assertThat(copies.seen(GROUP, oneBitOff)).isFalse();
        assertThat(copies.seen(OTHER_GROUP, message(1))).isFalse();
    }

    @Test
    void theWindowKeepsTheNewestAndSurvivesARestart() {
        ProcessedCopies copies = open();
        for (int n = 0; n <= ProcessedCopies.WINDOW; n++) {
            copies.processed(GROUP, message(n));
        }
        store.close();

        ProcessedCopies reopened = open();
        assertThat(reopened.seen(GROUP, message(0))).as("the oldest beyond the window is forgotten").isFalse();
        assertThat(reopened.seen(GROUP, message(1))).isTrue();
        assertThat(reopened.seen(GROUP, message(ProcessedCopies.WINDOW))).isTrue();
    }
}
