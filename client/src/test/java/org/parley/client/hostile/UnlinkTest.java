package org.parley.client.hostile;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.LiveServerTestBase;
import org.parley.client.ParleyClient;
import org.parley.client.account.Accounts;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.net.ServerException;
import org.parley.client.store.ProfileStore;
import org.parley.client.testkit.DeviceLinks;
import org.parley.client.testkit.LiveServer;
import org.parley.mls.codec.Bytes;
import org.parley.protocol.v1.ErrorCode;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.client.testkit.Eventually.eventually;

/**
 * Issue 12, attack 3: a routine {@code parley unlink} used to fork every conversation (the
 * server advanced the epoch and then refused the fan-out to the device just removed). Now the
 * device is skipped, the commit lands whole, and both sides keep reading each other.
 */
class UnlinkTest extends LiveServerTestBase {

    @BeforeEach
    void start() throws Exception {
        server = new LiveServer(temp.resolve("server"));
    }

    @Test
    void conversationsKeepWorkingBothWaysAfterADeviceIsUnlinked() throws Exception {
        ParleyClient alice = listened("alice", signedIn("alice", server.address()));
        ParleyClient bob = listened("bob", signedIn("bob", server.address()));
        byte[] direct = alice.conversations().direct("bob").groupId().toByteArray();
        byte[] team = alice.conversations().createGroup("team", List.of("bob")).groupId().toByteArray();
        eventually("bob holds both of alice's requests", () -> bob.conversations().requests().size() == 2);
        bob.conversations().accept("alice");

        ProfileStore laptopStore = profiles.create("laptop");
        DeviceLinks.link(laptopStore, alice);
        ParleyClient laptop = listened("laptop", profiles.connect(laptopStore, temp.resolve("laptop-files")));
        laptop.publishKeyPackages(5, true);
        assertThat(alice.syncOwnDevices()).isTrue();
        eventually("the laptop is in both", () -> laptop.conversations().list().size() == 2);
        long epochBefore = alice.conversations().epoch(direct);

        Bytes laptopDevice = Bytes.copyOf(laptop.identity().deviceId());
        laptop.close();
        Accounts.removeDevice(alice.session(), laptopDevice);
        alice.syncOwnDevices();
        assertThat(alice.conversations().epoch(direct)).isEqualTo(epochBefore + 1);
        assertThat(alice.conversations().find("team", false).members()).containsExactly("alice", "bob");

        alice.conversations().sendText(direct, "after the unlink");
        alice.conversations().sendText(team, "team after the unlink");
        eventually("bob reads alice after the unlink", () -> texts("bob").containsAll(List.of("after the unlink", "team after the unlink")));
        byte[] bobDirect = bob.conversations().find("alice", true).groupId().toByteArray();
        bob.conversations().sendText(bobDirect, "bob answers");
        eventually("alice reads bob after the unlink", () -> texts("alice").contains("bob answers"));
        assertThat(events.get("bob")).noneMatch(e -> e instanceof ConversationEvent.Unreadable);
        assertThat(events.get("alice")).noneMatch(e -> e instanceof ConversationEvent.Unreadable);
    }

    /**
     * Issue 14: a device unlinked by another device that then committed nothing (a browser tab
     * closed right after its unlink) used to stay in the conversations of a running client until
     * that client's next start, able to read what was said there. The running client now acts on
     * the server's hint (the next send names the device as unknown: here the delivery receipt for
     * bob's message) and commits the removal at once; the unlinked device, still running, learns
     * that the server no longer signs it in.
     */
    @Test
    void aRunningDeviceRemovesADeviceUnlinkedElsewhereAndTheUnlinkedOneLearnsIt() throws Exception {
        ParleyClient alice = listened("alice", signedIn("alice", server.address()));
        ParleyClient bob = listened("bob", signedIn("bob", server.address()));
        byte[] team = alice.conversations().createGroup("team", List.of("bob")).groupId().toByteArray();
        accept(bob, "alice");
        ParleyClient laptop = linked(alice, "laptop");
        ParleyClient phone = linked(alice, "phone");
        assertThat(alice.syncOwnDevices()).isTrue();
        eventually("laptop and phone are in the group", () -> laptop.conversations().list().size() == 1
                && phone.conversations().list().size() == 1);
        byte[] bobTeam = bob.conversations().find("team", false).groupId().toByteArray();
        eventually("bob holds the four devices", () -> leaves(bob, bobTeam) == 4);
        long laptopEpoch = laptop.conversations().epoch(team);

        // The phone unlinks the laptop and stops before it commits anything.
        Accounts.removeDevice(phone.session(), Bytes.copyOf(laptop.identity().deviceId()));
        phone.close();
        ServerException refusal = laptop.unlinked().get(10, TimeUnit.SECONDS);
        assertThat(refusal.code()).isEqualTo(ErrorCode.BAD_SIGNATURE);
        assertThat(leaves(alice, team)).as("nobody removed the laptop yet").isEqualTo(4);

        bob.conversations().sendText(bobTeam, "who is here?");
        eventually("alice removed the laptop from her copy of the group", () -> leaves(alice, team) == 3);
        eventually("bob's copy lost the laptop too", () -> leaves(bob, bobTeam) == 3);
        assertThat(alice.conversations().epoch(team)).isGreaterThan(laptopEpoch);
        assertThat(laptop.conversations().epoch(team)).as("the laptop holds no key of the epochs after its removal")
                .isEqualTo(laptopEpoch);

        bob.conversations().sendText(bobTeam, "after the removal");
        eventually("alice reads on", () -> texts("alice").contains("after the removal"));
        assertThat(texts("laptop")).doesNotContain("who is here?", "after the removal");
        assertThat(events.get("alice")).noneMatch(e -> e instanceof ConversationEvent.Unreadable);
        assertThat(events.get("bob")).noneMatch(e -> e instanceof ConversationEvent.Unreadable);
    }

    /** A new device of {@code account}'s account, signed in with key packages published. */
    private ParleyClient linked(ParleyClient account, String name) throws Exception {
        ProfileStore store = profiles.create(name);
        DeviceLinks.link(store, account);
        ParleyClient device = listened(name, profiles.connect(store, temp.resolve(name + "-files")));
        device.publishKeyPackages(5, true);
        return device;
    }

    /** How many devices {@code client}'s copy of the group holds, this one included. */
    private static int leaves(ParleyClient client, byte[] groupId) {
        return client.conversations().exportSecret(groupId, "test", 32).memberLeaves().size();
    }
}
