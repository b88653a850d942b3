package org.parley.cli;

import com.google.protobuf.ByteString;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.RecipientAccount;
import org.parley.protocol.v1.Send;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.testing.TestClient;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A burst of sends pipelined from one raw client to another's device, and what reaches that device:
 * for the tests that stop a server mid-burst. The message id (the recipient's deduplication key)
 * also opens the (here unencrypted) payload, so deliveries can be matched to sends.
 */
final class SendBurst {
    private static final SecureRandom RANDOM = new SecureRandom();

    private SendBurst() {
    }

    /**
     * Sends {@code count} messages without waiting for answers; returns each Send by its message id
     * (hex), in the order sent, so that a test can send again what was never accepted.
     */
    static Map<String, Send> send(TestClient sender, TestClient recipient, int count) {
        Map<String, Send> sent = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            byte[] messageId = new byte[16];
            RANDOM.nextBytes(messageId);
            byte[] payload = new byte[256];
            System.arraycopy(messageId, 0, payload, 0, 16);
            Send send = Send.newBuilder().setMessageId(ByteString.copyFrom(messageId)).setPayload(ByteString.copyFrom(payload))
                    .addRecipients(RecipientAccount.newBuilder().setAccountId(ByteString.copyFrom(recipient.accountId))
                            .addDeviceIds(ByteString.copyFrom(recipient.deviceId))).build();
            sent.put(HexFormat.of().formatHex(messageId), send);
            sender.send(ClientFrame.newBuilder().setRequestId(1_000 + i).setSend(send).build());
        }
        return sent;
    }

    /** The id of the message a SendAccepted answer accepted (hex). */
    static String acceptedId(ServerFrame accepted) {
        return HexFormat.of().formatHex(accepted.getSendAccepted().getMessageId().toByteArray());
    }

    /** The ids of everything in a signed-in device's mailbox up to MailboxDrained, in order, repeats kept. */
    static List<String> receiveAll(TestClient recipient) throws InterruptedException {
        List<String> delivered = new ArrayList<>();
        while (true) {
            ServerFrame frame = recipient.awaitFrame(f -> f.hasDeliver() || f.hasMailboxDrained());
            if (frame.hasMailboxDrained()) {
                return delivered;
            }
            delivered.add(HexFormat.of().formatHex(frame.getDeliver().getPayload().substring(0, 16).toByteArray()));
        }
    }
}
