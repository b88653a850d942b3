package org.parley.bench.load;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RecipientsTest {

    @Test
    void aRandomRecipientIsAnotherConnectedClient() {
        Recipients recipients = new Recipients(new int[] {0, 2, 5}, 0);
        Random random = new Random(1);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int[] to = recipients.of(2, random);
            assertThat(to).hasSize(1);
            seen.add(to[0]);
        }
        assertThat(seen).containsExactlyInAnyOrder(0, 5);
    }

    @Test
    void aGroupMessageGoesToEveryOtherConnectedMemberOfTheSendersGroup() {
        // Groups of 4: {0,1,2,3} and {4,5,6,7}; client 6 never connected.
        Recipients recipients = new Recipients(new int[] {0, 1, 2, 3, 4, 5, 7}, 4);
        assertThat(recipients.of(1, new Random())).containsExactly(0, 2, 3);
        assertThat(recipients.of(5, new Random())).containsExactly(4, 7);
    }

    @Test
    void aClientAloneInItsGroupHasNoRecipients() {
        Recipients recipients = new Recipients(new int[] {0, 1, 4}, 4);
        assertThat(recipients.of(4, new Random())).isEmpty();
    }
}
