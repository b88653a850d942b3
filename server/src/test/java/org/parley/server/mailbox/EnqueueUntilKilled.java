package org.parley.server.mailbox;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;
import org.parley.server.accounts.DeviceId;

/**
 * Child process of {@link MailboxCrashTest}: enqueues messages for one device forever and
 * prints the id of each as soon as {@code enqueue} returned, until it is killed.
 * Arguments: database URL, data directory, recipient device id (hex).
 */
public final class EnqueueUntilKilled {
    private EnqueueUntilKilled() {
    }

    public static void main(String[] args) {
        DeviceId recipient = DeviceId.of(HexFormat.of().parseHex(args[2]));
        ServerStores store = ServerStores.open(StoreConfig.forDataDirectory(Path.of(args[1]), args[0]));
        byte[] payload = new byte[256];
        for (long n = 0; ; n++) {
            payload[0] = (byte) n;
            List<DeliveryOutcome> outcomes = store.mailbox().enqueue(List.of(
                    new Delivery(List.of(new NewEnvelope(recipient, ByteString.copyFrom(payload)))),
                    new Delivery(List.of(new NewEnvelope(recipient, ByteString.copyFrom(payload))))));
            for (DeliveryOutcome outcome : outcomes) {
                System.out.println("stored " + ((DeliveryOutcome.Stored) outcome).envelopes().get(0).id());
            }
            System.out.flush();
        }
    }
}
