package org.parley.client.hostile;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.LiveServerTestBase;
import org.parley.client.ParleyClient;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.conversations.PayloadWrap;
import org.parley.client.keys.KeyPackages;
import org.parley.client.testkit.DeviceLinks;
import org.parley.client.testkit.HostileServer;
import org.parley.client.testkit.LiveServer;
import org.parley.mls.credentials.BasicCredential;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;
import org.parley.protocol.MailboxSeal;
import org.parley.protocol.Padding;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.Deliver;
import org.parley.protocol.v1.ServerFrame;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * What the operator reads in what clients send, and what it can deliver in place of real mail. A
 * relay records every payload clients send and every copy the server delivers: none shows a group
 * id or an epoch, every size is a padding bucket, and no copy a device receives is the payload as
 * sent. A copy the server did not seal to the device, or one sealed to it that does not unwrap,
 * is dropped and acknowledged (it must not block the mailbox), and the conversation goes on.
 */
class PayloadPrivacyTest extends LiveServerTestBase {
    private static final SecureRandom RANDOM = new SecureRandom();

    private HostileServer hostile;
    /** Every frame a client sent, whole. */
    private final List<byte[]> frames = new CopyOnWriteArrayList<>();
    /** Every payload a client sent (Send, and SubmitCommit's send and welcome). */
    private final List<byte[]> sent = new CopyOnWriteArrayList<>();
    /** Every copy the server delivered. */
    private final List<byte[]> delivered = new CopyOnWriteArrayList<>();
    /** Envelopes the relay made up, and which of them a client acknowledged (kept from the real server). */
    private final Set<Long> injected = ConcurrentHashMap.newKeySet();
    private final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicLong nextInjected = new AtomicLong(Long.MAX_VALUE - 1000);

    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        hostile = new HostileServer(server.address());
        open.add(hostile);
        hostile.onClientFrame((link, frame) -> {
            frames.add(frame.toByteArray());
            if (frame.hasSend()) {
                sent.add(frame.getSend().getPayload().toByteArray());
            } else if (frame.hasSubmitCommit()) {
                sent.add(frame.getSubmitCommit().getSend().getPayload().toByteArray());
                if (frame.getSubmitCommit().hasWelcome()) {
                    sent.add(frame.getSubmitCommit().getWelcome().getPayload().toByteArray());
                }
            } else if (frame.hasAck()) {
                List<Long> ours = frame.getAck().getEnvelopeIdsList().stream().filter(injected::contains).toList();
                acknowledged.addAll(ours);
                return !ours.isEmpty();
            }
            return false;
        });
        hostile.onServerFrame((link, frame) -> {
            if (frame.hasDeliver()) {
                delivered.add(frame.getDeliver().getPayload().toByteArray());
            }
            return false;
        });
    }

    private ParleyClient user(String username) {
        return listened(username, signedIn(username, hostile.address()));
    }

    private List<ConversationEvent.Unreadable> warnings(String username) {
        return events.get(username).stream().filter(e -> e instanceof ConversationEvent.Unreadable)
                .map(e -> (ConversationEvent.Unreadable) e).toList();
    }

    /** Delivers {@code payload} to {@code client}'s device as if the server had stored it; returns its envelope id. */
    private long inject(ParleyClient client, byte[] payload) {
        long envelope = nextInjected.incrementAndGet();
        injected.add(envelope);
        ServerFrame frame = ServerFrame.newBuilder().setDeliver(Deliver.newBuilder().setEnvelopeId(envelope)
                .setPayload(ByteString.copyFrom(payload))).build();
        hostile.linksOf(ByteString.copyFrom(client.identity().deviceId())).forEach(link -> link.toClient(frame));
        return envelope;
    }

    @Test
    void registerAndLinkGiveTheServerTheMailboxKeyOfTheDevice() throws Exception {
        List<ClientFrame> signUps = new CopyOnWriteArrayList<>();
        hostile.onClientFrame((link, frame) -> {
            if (frame.hasRegister() || frame.hasRequestLink()) {
                signUps.add(frame);
            }
            return false;
        });
        ParleyClient alice = user("alice");
        var laptop = DeviceLinks.link(profiles.create("alice-laptop"), alice);

        assertThat(signUps).hasSize(2);
        assertThat(signUps.get(0).getRegister().getMailboxKey().toByteArray()).isEqualTo(alice.identity().mailboxPublicKey());
        assertThat(signUps.get(1).getRequestLink().getMailboxKey().toByteArray()).isEqualTo(laptop.mailboxPublicKey());
        assertThat(MailboxSeal.isValidPublicKey(laptop.mailboxPublicKey())).isTrue();
        assertThat(laptop.mailboxPublicKey()).isNotEqualTo(alice.identity().mailboxPublicKey());
    }

    @Test
    void noPayloadShowsAGroupIdOrAnEpochAndEveryCopyIsSealedToItsDevice() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        user("carol");
        byte[] team = alice.conversations().createGroup("team", List.of("bob", "carol")).groupId().toByteArray();
        accept(bob, "alice");
        alice.conversations().sendText(team, "hello team");
        eventually("bob reads the team", () -> texts("bob").contains("hello team"));
        alice.conversations().update(team);
        bob.conversations().sendText(bob.conversations().find("team", false).groupId().toByteArray(), "a longer answer ".repeat(40));
        eventually("alice reads bob", () -> texts("alice").stream().anyMatch(t -> t.startsWith("a longer answer")));
        byte[] direct = alice.conversations().direct("bob").groupId().toByteArray();
        alice.conversations().sendText(direct, "just us");
        eventually("bob reads the 1:1", () -> texts("bob").contains("just us"));

        List<byte[]> groupIds = List.of(team, direct);
        assertThat(sent).hasSizeGreaterThan(6);
        for (byte[] payload : sent) {
            assertThat(payload[0]).isIn(PayloadWrap.GROUP_MESSAGE, PayloadWrap.WELCOME);
            int padded = payload.length - (payload[0] == PayloadWrap.WELCOME ? 1 : PayloadWrap.GROUP_OVERHEAD);
            assertThat(padded).as("a Padmé bucket").isGreaterThanOrEqualTo(Padding.MIN_PADDED_BYTES)
                    .isEqualTo(Padding.padme(padded));
        }
        for (byte[] frame : frames) {
            for (byte[] groupId : groupIds) {
                assertThat(contains(frame, groupId)).as("a group id in a frame a client sent").isFalse();
            }
        }
        // Epochs: a PrivateMessage header holds group_id then the 8-byte epoch; with the id gone, so is the pair.
        assertThat(delivered).hasSizeGreaterThan(6);
        for (byte[] copy : delivered) {
            for (byte[] groupId : groupIds) {
                assertThat(contains(copy, groupId)).as("a group id in a delivered copy").isFalse();
            }
            assertThat(sent).noneMatch(payload -> contains(copy, Arrays.copyOf(payload, 32)))
                    .as("a copy sealed to its device shares nothing with the payload as sent");
        }
    }

    @Test
    void aCopyNotSealedToTheDeviceIsDroppedCountedAndAcknowledged() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        byte[] direct = alice.conversations().direct("bob").groupId().toByteArray();
        accept(bob, "alice");
        alice.conversations().sendText(direct, "before");
        eventually("bob reads alice", () -> texts("bob").contains("before"));

        // The very payload alice sent, delivered unsealed, and noise.
        List<Long> envelopes = new ArrayList<>();
        envelopes.add(inject(bob, sent.get(sent.size() - 1)));
        byte[] noise = new byte[300];
        RANDOM.nextBytes(noise);
        envelopes.add(inject(bob, noise));
        envelopes.add(inject(bob, new byte[0]));
        eventually("bob acknowledged the copies that do not open", () -> acknowledged.containsAll(envelopes));
        eventually("bob is warned", () -> warnings("bob").stream().mapToInt(ConversationEvent.Unreadable::messages).sum() == 3);
        assertThat(warnings("bob")).allSatisfy(w -> {
            assertThat(w.cause()).isEqualTo(ConversationEvent.Unreadable.Cause.DAMAGED);
            assertThat(w.conversation()).isEmpty();
        });

        alice.conversations().sendText(direct, "after");
        eventually("bob still reads alice", () -> texts("bob").contains("after"));
        assertThat(texts("bob")).containsExactly("before", "after");
    }

    @Test
    void aSealedCopyThatDoesNotUnwrapNeverReachesMlsAndNeverBlocksTheMailbox() throws Exception {
        ParleyClient alice = user("alice");
        ParleyClient bob = user("bob");
        byte[] direct = alice.conversations().direct("bob").groupId().toByteArray();
        accept(bob, "alice");
        alice.conversations().sendText(direct, "before");
        eventually("bob reads alice", () -> texts("bob").contains("before"));

        byte[] bobsKey = bob.identity().mailboxPublicKey();
        byte[] strangerGroup = new byte[16];
        RANDOM.nextBytes(strangerGroup);
        Group stranger = Group.create(GroupConfig.defaults(RANDOM), KeyPackages.SUITE, strangerGroup,
                new BasicCredential("stranger".getBytes(StandardCharsets.UTF_8)), KeyPackages.SUITE.generateSignatureKeyPair(RANDOM),
                List.of());
        byte[] strangersMessage = stranger.encrypt("not for this conversation".getBytes(StandardCharsets.UTF_8));
        byte[] valid = PayloadWrap.wrapGroupMessage(direct, strangersMessage, RANDOM);
        List<byte[]> forgeries = List.of(
                new byte[] {0x07, 1, 2, 3},                                                // an unknown type
                Arrays.copyOf(valid, valid.length - 1),                                      // truncated
                valid,                                                                       // another group's message in this one's wrapping
                PayloadWrap.wrapGroupMessage(strangerGroup, strangersMessage, RANDOM),       // a group bob is not in
                PayloadWrap.wrapWelcome(strangersMessage),                                   // a group message posing as a Welcome
                PayloadWrap.wrapGroupMessage(direct, "not MLS".getBytes(StandardCharsets.UTF_8), RANDOM),
                new byte[] {PayloadWrap.WELCOME, 1, 2, 3});                                  // badly padded
        List<Long> envelopes = new ArrayList<>();
        for (byte[] payload : forgeries) {
            envelopes.add(inject(bob, MailboxSeal.seal(bobsKey, payload)));
        }
        eventually("bob acknowledged every copy", () -> acknowledged.containsAll(envelopes));

        alice.conversations().sendText(direct, "after");
        eventually("bob still reads alice", () -> texts("bob").contains("after"));
        assertThat(texts("bob")).containsExactly("before", "after");
        assertThat(warnings("bob")).as("dropped before MLS, so nothing of a conversation was unreadable").isEmpty();
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        // ISO-8859-1 maps each byte to one char, so this is an exact byte search.
        return new String(haystack, java.nio.charset.StandardCharsets.ISO_8859_1)
                .indexOf(new String(needle, java.nio.charset.StandardCharsets.ISO_8859_1)) >= 0;
    }
}
