package org.parley.server.bus;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.parley.server.accounts.DeviceId;
import org.parley.server.mailbox.Envelope;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class InProcessBusTest {
    private static final DeviceId DEVICE = DeviceId.of(new byte[16]);

    private static MailArrived mail(long id) {
        return new MailArrived(new Envelope(id, DEVICE, ByteString.copyFrom(new byte[] {1}), Instant.EPOCH));
    }

    /** A listener that records the ids of the copies it is given. */
    private static MailListener recording(List<Long> ids) {
        return new MailListener() {
            @Override
            public void arrived(MailArrived mail) {
                ids.add(mail.envelope().id());
            }

            @Override
            public void mailWaiting() {
                ids.add(-1L);
            }

            @Override
            public void deviceRemoved() {
                ids.add(-2L);
            }
        };
    }

    @Test
    void aLateSubscriptionOfAnOldConnectionDoesNotSilenceTheNewOne() {
        InProcessBus bus = new InProcessBus();
        List<Long> newConnection = new ArrayList<>();
        List<Long> oldConnection = new ArrayList<>();
        MessageBus.Subscription fresh = bus.subscribe(DEVICE, recording(newConnection));
        // The old connection's subscribe task runs late, then its close runs.
        MessageBus.Subscription stale = bus.subscribe(DEVICE, recording(oldConnection));
        stale.close();
        bus.publish(mail(1));
        assertThat(newConnection).containsExactly(1L);
        assertThat(oldConnection).isEmpty();

        fresh.close();
        bus.publish(mail(2));
        assertThat(newConnection).containsExactly(1L);
    }
}
