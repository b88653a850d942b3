package org.parley.server.mailbox;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;
import org.parley.server.accounts.DeviceId;

/**
 * Child process of {@link MailboxCrashTest}: writes batches of messages for one device forever, as
 * the server's mailbox writer does, until it is killed. It prints "shown ID" for each copy when the
 * store hands it out early (before its commit, as the server pushes it to a connected recipient) and
 * "stored ID" once the write returned (when the server acknowledges the send).
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
            List<DeliveryOutcome> outcomes = store.mailbox().write(List.of(
                    new Delivery(List.of(new NewEnvelope(recipient, ByteString.copyFrom(payload)))),
                    new Delivery(List.of(new NewEnvelope(recipient, ByteString.copyFrom(payload))))), List.of(),
                    decided -> print("shown", decided)).deliveries();
            print("stored", outcomes);
        }
    }

    private static void print(String what, List<DeliveryOutcome> outcomes) {
        for (DeliveryOutcome outcome : outcomes) {
            System.out.println(what + " " + ((DeliveryOutcome.Stored) outcome).envelopes().get(0).id());
        }
        System.out.flush();
    }
}
