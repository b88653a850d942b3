package org.parley.client;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.local.v1.StoredMessage;
import org.parley.client.testkit.HostileServer;
import org.parley.client.testkit.LiveServer;
import org.parley.protocol.v1.Send;

import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * A send whose connection ends before the server acknowledged it is never lost and never shown
 * twice (issues 15 and 17): the sender keeps it and sends the same bytes again once connected; when
 * the server had stored the first copy, the recipient drops the second in silence. The relay
 * stands in for the network, cutting alice's connection around her sends to bob.
 */
class UnacknowledgedSendTest extends LiveServerTestBase {
    private HostileServer relay;
    private ParleyClient alice;
    private ParleyClient bob;
    private byte[] direct;
    private volatile ByteString bobDevice;
    /** How many more sends to bob the relay cuts before the server sees them. */
    private final AtomicInteger cutBeforeForwarding = new AtomicInteger();
    /** How many more sends to bob the relay forwards and then cuts before the server's SendAccepted reaches alice. */
    private final AtomicInteger cutAfterForwarding = new AtomicInteger();
    private final Set<ByteString> answersToCut = ConcurrentHashMap.newKeySet();
    /** The payload of every send to bob that reached the server, in order. */
    private final List<ByteString> forwarded = new CopyOnWriteArrayList<>();
    private final AtomicInteger cuts = new AtomicInteger();
    /** The payload of the send whose answer (or the send itself) the relay cut. */
    private volatile ByteString cutPayload;

    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        relay = new HostileServer(server.address());
        open.add(relay);
        relay.onClientFrame((link, frame) -> {
            if (!frame.hasSend() || !addressedToBob(frame.getSend())) {
                return false;
            }
            if (cutBeforeForwarding.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                cuts.incrementAndGet();
                cutPayload = frame.getSend().getPayload();
                link.close();
                return true;
            }
            forwarded.add(frame.getSend().getPayload());
            if (cutAfterForwarding.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                answersToCut.add(frame.getSend().getMessageId());
                cutPayload = frame.getSend().getPayload();
            }
            return false;
        });
        relay.onServerFrame((link, frame) -> {
            if (frame.hasSendAccepted() && answersToCut.remove(frame.getSendAccepted().getMessageId())) {
                cuts.incrementAndGet();
                link.close();
                return true;
            }
            return false;
        });
    }

    private boolean addressedToBob(Send send) {
        return send.getRecipientsList().stream().anyMatch(r -> r.getDeviceIdsList().contains(bobDevice));
    }

    /** Alice and bob talking in a direct conversation, with each other's access keys (so alice's sends are sealed). */
    private void talking() throws InterruptedException {
        alice = listened("alice", signedIn("alice", relay.address()));
        bob = listened("bob", signedIn("bob", relay.address()));
        bobDevice = ByteString.copyFrom(bob.identity().deviceId());
        direct = alice.conversations().direct("bob").groupId().toByteArray();
        alice.conversations().sendText(direct, "hello");
        accept(bob, "alice");
        eventually("alice has bob's access key", () -> alice.contacts().get("bob") != null
                && !alice.contacts().get("bob").getAccessKey().isEmpty());
        bob.conversations().sendText(direct, "hi");
        eventually("alice reads bob", () -> texts("alice").contains("hi"));
        Thread.sleep(300); // let receipts settle before the relay starts cutting
    }

    /** Alice sends {@code texts} while the relay cuts the connection once, as {@code cut} says: no send fails, and all leave. */
    private void sendThroughOneCut(AtomicInteger cut, String... texts) throws InterruptedException {
        cut.set(1);
        for (String text : texts) {
            alice.conversations().sendText(direct, text);
        }
        assertThat(cuts.get()).as("the relay cut the connection once").isEqualTo(1);
        eventually("alice's queue empties", () -> alice.outgoingCount() == 0);
    }

    private static List<String> history(ParleyClient client, byte[] groupId) {
        return client.conversations().history(groupId, 100).stream().map(StoredMessage::getText).toList();
    }

    private void assertShownOnceInOrder(String... sent) throws InterruptedException {
        eventually("bob reads the last message", () -> texts("bob").contains(sent[sent.length - 1]));
        for (String text : sent) {
            assertThat(Collections.frequency(texts("bob"), text)).as("bob is shown \"%s\" once", text).isEqualTo(1);
            assertThat(Collections.frequency(history(bob, direct), text)).as("bob stores \"%s\" once", text).isEqualTo(1);
        }
        assertThat(texts("bob")).containsSubsequence(sent);
        assertThat(events.get("bob")).noneMatch(e -> e instanceof ConversationEvent.Unreadable);
    }

    @Test
    void aSendWhoseAcknowledgementIsLostIsSentAgainAndShownOnce() throws Exception {
        talking();
        // The server stores the first send, and alice never hears so; the second waits behind it.
        sendThroughOneCut(cutAfterForwarding, "through the drop", "behind it");

        assertShownOnceInOrder("through the drop", "behind it");
        assertThat(Collections.frequency(forwarded, cutPayload)).as("the server got the same bytes twice").isEqualTo(2);
        // The conversation goes on both ways, and a second copy showed nothing late.
        bob.conversations().sendText(direct, "got both");
        eventually("alice reads bob after the drop", () -> texts("alice").contains("got both"));
        alice.conversations().sendText(direct, "good");
        assertShownOnceInOrder("through the drop", "behind it", "good");
    }

    @Test
    void aSendTheServerNeverGotIsDeliveredOnceAfterTheReconnect() throws Exception {
        talking();
        sendThroughOneCut(cutBeforeForwarding, "lost on the way");

        assertShownOnceInOrder("lost on the way");
        assertThat(Collections.frequency(forwarded, cutPayload)).as("the server got the same bytes once, after the reconnect")
                .isEqualTo(1);
    }
}
