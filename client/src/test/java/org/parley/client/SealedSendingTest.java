package org.parley.client;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.conversations.ConversationException;
import org.parley.client.testkit.HostileServer;
import org.parley.client.testkit.LiveServer;
import org.parley.client.testkit.RelayTokenIssuer;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ErrorCode;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * Sealed sender in fact, watched by the operator's relay: once people hold each other's access
 * keys, their messages, receipts and commits travel only on the connection that never signs in,
 * and that connection never carries anything that names an account.
 */
class SealedSendingTest extends LiveServerTestBase {
    private HostileServer relay;
    /** Every frame from a client, with its connection. */
    private final List<Seen> frames = new CopyOnWriteArrayList<>();

    private record Seen(ClientFrame frame, HostileServer.Link link) {
    }

    /** The connections that signed in, registered or asked to be linked: each carried one of those frames. */
    private Set<HostileServer.Link> signedInLinks() {
        return frames.stream().filter(s -> s.frame().hasAuthenticate() || s.frame().hasRegister() || s.frame().hasRequestLink())
                .map(Seen::link).collect(Collectors.toSet());
    }

    private boolean signedIn(Seen seen) {
        return signedInLinks().contains(seen.link());
    }

    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
        relay = new HostileServer(server.address());
        open.add(relay);
        relay.onClientFrame((link, frame) -> {
            frames.add(new Seen(frame, link));
            return false;
        });
    }

    private static boolean sealed(ClientFrame frame) {
        return frame.hasSend() && frame.getSend().getSealed()
                || frame.hasSubmitCommit() && frame.getSubmitCommit().getSend().getSealed();
    }

    private static boolean namesAnAccount(ClientFrame frame) {
        return frame.hasAuthenticate() || frame.hasRegister() || frame.hasRequestLink() || frame.hasRequestSendTokens()
                || frame.hasSetDeliveryPolicy() || frame.hasSetAccessKey() || frame.hasClaimKeyPackages() || frame.hasListDevices()
                || frame.hasSend() && !frame.getSend().getSealed();
    }

    /** alice and bob in an accepted 1:1, each holding the other's access key. */
    private byte[][] contacts(ParleyClient alice, ParleyClient bob) throws InterruptedException {
        byte[] direct = alice.conversations().direct("bob").groupId().toByteArray();
        accept(bob, "alice");
        eventually("each holds the other's access key", () -> hasAccessKey(alice, "bob") && hasAccessKey(bob, "alice"));
        byte[] bobs = bob.conversations().find("alice", true).groupId().toByteArray();
        return new byte[][] {direct, bobs};
    }

    private static boolean hasAccessKey(ParleyClient holder, String username) {
        var contact = holder.contacts().get(username);
        return contact != null && !contact.getAccessKey().isEmpty();
    }

    @Test
    void messagesReceiptsAndCommitsBetweenContactsTravelOnlyOnTheAnonymousConnection() throws Exception {
        ParleyClient alice = listened("alice", signedIn("alice", relay.address()));
        ParleyClient bob = listened("bob", signedIn("bob", relay.address()));
        byte[][] direct = contacts(alice, bob);
        int checkpoint = frames.size();

        alice.conversations().sendText(direct[0], "nobody knows I sent this");
        eventually("bob reads it", () -> texts("bob").contains("nobody knows I sent this"));
        bob.conversations().takeUnshown();
        alice.conversations().update(direct[0]);
        bob.conversations().sendText(direct[1], "after the update");
        eventually("alice reads bob", () -> texts("alice").contains("after the update"));

        List<Seen> after = framesSince(checkpoint);
        assertThat(after).filteredOn(s -> s.frame().hasSend() || s.frame().hasSubmitCommit())
                .as("every send and commit between contacts is sealed").allMatch(s -> sealed(s.frame()))
                .as("and none travels on a signed-in connection").noneMatch(this::signedIn);
        assertThat(after).filteredOn(s -> s.frame().hasSubmitCommit()).as("the update went sealed").isNotEmpty();
        assertThat(after).filteredOn(s -> s.frame().hasSend()).as("messages and receipts went sealed").hasSizeGreaterThanOrEqualTo(3);
        assertThat(after).filteredOn(s -> s.frame().hasSend() || s.frame().hasSubmitCommit())
                .allMatch(s -> s.frame().hasSend() ? s.frame().getSend().hasToken() : s.frame().getSubmitCommit().getSend().hasToken());
        assertThat(frames).as("whatever went sealed, went anonymously").filteredOn(s -> sealed(s.frame())).noneMatch(this::signedIn);
        Set<HostileServer.Link> anonymous = frames.stream().filter(s -> sealed(s.frame())).map(Seen::link).collect(Collectors.toSet());
        assertThat(frames).as("the anonymous connections never name an account")
                .filteredOn(s -> anonymous.contains(s.link())).noneMatch(s -> namesAnAccount(s.frame()));
    }

    @Test
    void anOperatorRefusingTokensCannotForceSendsOrCommitsOntoTheSignedInConnection() throws Exception {
        ParleyClient alice = listened("alice", signedIn("alice", relay.address()));
        ParleyClient bob = listened("bob", signedIn("bob", relay.address()));
        byte[][] direct = contacts(alice, bob);
        relay.onClientFrame((link, frame) -> {
            if (frame.hasRequestSendTokens()) {
                link.toClient(RelayTokenIssuer.error(frame, ErrorCode.RATE_LIMITED, Duration.ofSeconds(2)));
                return true;
            }
            return false;
        });
        synchronized (alice.conversations()) {
            while (alice.sendTokens().count() > 0) {
                alice.sendTokens().take();
            }
        }
        int checkpoint = frames.size();
        long epoch = alice.conversations().epoch(direct[0]);

        alice.conversations().sendText(direct[0], "wait for a token");
        assertThat(alice.outgoingWaiting(direct[0])).as("the message waits for a token").isPresent();
        assertThatThrownBy(() -> alice.conversations().update(direct[0])).isInstanceOf(ConversationException.class)
                .hasMessageContaining("no send token");
        assertThat(alice.conversations().epoch(direct[0])).as("the commit changed nothing").isEqualTo(epoch);
        assertThat(framesSince(checkpoint))
                .noneMatch(s -> s.frame().hasSend() || s.frame().hasSubmitCommit());

        relay.beHonest();
        relay.onClientFrame((link, frame) -> {
            frames.add(new Seen(frame, link));
            return false;
        });
        eventually("the message leaves after the hint once tokens are issued again", () -> alice.outgoingCount() == 0);
        eventually("bob reads it", () -> texts("bob").contains("wait for a token"));
        assertThat(frames).filteredOn(s -> sealed(s.frame())).noneMatch(this::signedIn);
    }

    @Test
    void aStaleAccessKeySendsUnsealedWhichASealedOnlyRecipientRefuses() throws Exception {
        ParleyClient alice = listened("alice", signedIn("alice", relay.address()));
        ParleyClient bob = listened("bob", signedIn("bob", relay.address()));
        byte[][] direct = contacts(alice, bob);
        // Bob's account takes a new access key that alice has not been given.
        byte[] fresh = new byte[32];
        new java.security.SecureRandom().nextBytes(fresh);
        bob.session().call(ClientFrame.newBuilder().setSetAccessKey(
                org.parley.protocol.v1.SetAccessKey.newBuilder().setAccessKey(com.google.protobuf.ByteString.copyFrom(fresh))));
        int checkpoint = frames.size();

        alice.conversations().sendText(direct[0], "with a stale key");
        eventually("bob reads it", () -> texts("bob").contains("with a stale key"));
        List<Seen> sends = framesSince(checkpoint).stream().filter(s -> s.frame().hasSend()).toList();
        assertThat(sends.get(0).frame().getSend().getSealed()).as("tried sealed first").isTrue();
        assertThat(sends).as("then unsealed, on the signed-in connection")
                .anyMatch(s -> !s.frame().getSend().getSealed() && signedIn(s)
                        && s.frame().getSend().getRecipientsList().stream().allMatch(r -> r.getAccessKey().isEmpty()));

        bob.setSealedOnly(true);
        assertThatThrownBy(() -> alice.conversations().sendText(direct[0], "refused"))
                .isInstanceOf(org.parley.client.net.ServerException.class);
    }

    @Test
    void sealedOnlyKeepsStrangersOutAndLetsContactsIn() throws Exception {
        ParleyClient alice = listened("alice", signedIn("alice", relay.address()));
        ParleyClient bob = listened("bob", signedIn("bob", relay.address()));
        ParleyClient zed = signedIn("zed", relay.address());
        byte[][] direct = contacts(alice, bob);

        bob.setSealedOnly(true);
        assertThatThrownBy(() -> zed.conversations().direct("bob")).as("a stranger cannot start a conversation")
                .isInstanceOf(ConversationException.class);
        alice.conversations().sendText(direct[0], "a contact still gets through");
        eventually("bob reads alice", () -> texts("bob").contains("a contact still gets through"));

        bob.setSealedOnly(false);
        zed.conversations().direct("bob");
        eventually("the stranger's request arrives once sealed-only is off",
                () -> bob.conversations().requests().stream().anyMatch(r -> r.inviter().equals("zed")));
    }

    /**
     * The frames seen since {@code checkpoint}, as a snapshot: frames that arrive while a test asserts
     * (receipts, token top-ups) would make a live subList of the recording throw.
     */
    private List<Seen> framesSince(int checkpoint) {
        List<Seen> seenSoFar = List.copyOf(frames);
        return seenSoFar.subList(checkpoint, seenSoFar.size());
    }
}
