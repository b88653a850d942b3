package org.parley.client.hostile;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.client.LiveServerTestBase;
import org.parley.client.ParleyClient;
import org.parley.client.account.Accounts;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.store.ProfileStore;
import org.parley.client.testkit.DeviceLinks;
import org.parley.client.testkit.LiveServer;
import org.parley.mls.codec.Bytes;

import java.util.List;

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
}
