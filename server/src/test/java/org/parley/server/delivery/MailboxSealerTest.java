package org.parley.server.delivery;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.protocol.MailboxSeal;
import org.parley.server.ServerStores;
import org.parley.server.StoreConfig;
import org.parley.server.accounts.Registration;
import org.parley.server.accounts.Username;
import org.parley.server.mailbox.Delivery;
import org.parley.server.mailbox.NewEnvelope;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server's sealing windows: one device's copies share a sealing context for a short time only,
 * different devices never share one, and a window is forgotten when its time is up or its device
 * replaces its mailbox key.
 */
class MailboxSealerTest {
    private static final ByteString PAYLOAD = ByteString.copyFrom("a group message", StandardCharsets.UTF_8);
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path data;
    private ServerStores stores;
    private final AtomicLong now = new AtomicLong();
    private MailboxSealer sealer;

    @BeforeEach
    void openStores() {
        stores = ServerStores.open(StoreConfig.forDataDirectory(data, null));
        sealer = new MailboxSealer(stores.accounts(), Duration.ofSeconds(10), now::get);
    }

    @AfterEach
    void closeStores() {
        stores.close();
    }

    @Test
    void oneDevicesCopiesShareAContextUntilItsTimeIsUpAndNoTwoDevicesShareOne() {
        byte[][] aliceKeys = MailboxSeal.generateKeyPair();
        byte[][] bobKeys = MailboxSeal.generateKeyPair();
        Registration alice = register("alice", aliceKeys[1]);
        Registration bob = register("bob", bobKeys[1]);

        List<byte[]> toAlice = new ArrayList<>();
        List<byte[]> toBob = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<NewEnvelope> sealed = sealer.seal(new Delivery(List.of(new NewEnvelope(alice.device(), PAYLOAD),
                    new NewEnvelope(bob.device(), PAYLOAD)))).envelopes();
            toAlice.add(sealed.get(0).payload().toByteArray());
            toBob.add(sealed.get(1).payload().toByteArray());
            now.addAndGet(Duration.ofSeconds(4).toNanos());
        }
        // Sealed at 0 s, 4 s and 8 s of a 10 s window: one context per device, none shared.
        assertThat(toAlice).extracting(MailboxSealerTest::enc).containsOnly(enc(toAlice.get(0)));
        assertThat(toBob).extracting(MailboxSealerTest::enc).containsOnly(enc(toBob.get(0)));
        assertThat(enc(toAlice.get(0))).isNotEqualTo(enc(toBob.get(0)));
        MailboxSeal.Opener aliceOpens = new MailboxSeal.Opener(aliceKeys[0], aliceKeys[1], 4);
        for (byte[] copy : toAlice) {
            assertThat(aliceOpens.open(copy)).isEqualTo(PAYLOAD.toByteArray());
        }
        assertThat(sealer.openWindows()).isEqualTo(2);

        now.addAndGet(Duration.ofSeconds(2).toNanos()); // 14 s: the window of 0 s is over
        sealer.forgetExpiredWindows();
        assertThat(sealer.openWindows()).as("contexts forgotten when their time is up").isZero();
        byte[] later = sealer.seal(new Delivery(List.of(new NewEnvelope(alice.device(), PAYLOAD)))).envelopes().get(0).payload().toByteArray();
        assertThat(enc(later)).isNotEqualTo(enc(toAlice.get(0)));
        assertThat(aliceOpens.open(later)).isEqualTo(PAYLOAD.toByteArray());
    }

    @Test
    void aNewMailboxKeyGetsANewWindowAndAFullWindowIsReplaced() {
        byte[][] oldKeys = MailboxSeal.generateKeyPair();
        Registration alice = register("alice", oldKeys[1]);
        byte[] first = sealOne(alice);
        byte[][] newKeys = MailboxSeal.generateKeyPair();
        stores.accounts().setMailboxKey(alice.device(), newKeys[1]);
        byte[] afterTheChange = sealOne(alice);
        assertThat(enc(afterTheChange)).isNotEqualTo(enc(first));
        assertThat(new MailboxSeal.Opener(newKeys[0], newKeys[1], 1).open(afterTheChange)).isEqualTo(PAYLOAD.toByteArray());

        // The window holds the copy above and as many more as it has room for; the next copy opens another.
        List<byte[]> many = new ArrayList<>();
        for (int i = 0; i < MailboxSealer.COPIES_PER_WINDOW; i++) {
            many.add(sealOne(alice));
        }
        List<String> encs = many.stream().map(MailboxSealerTest::enc).toList();
        assertThat(encs.subList(0, MailboxSealer.COPIES_PER_WINDOW - 1)).containsOnly(enc(afterTheChange));
        assertThat(encs.get(MailboxSealer.COPIES_PER_WINDOW - 1)).as("a window seals %d copies at most", MailboxSealer.COPIES_PER_WINDOW)
                .isNotEqualTo(enc(afterTheChange));
    }

    @Test
    void anUnknownDeviceGetsAPlaceholderAndNoWindow() {
        Registration alice = register("alice", MailboxSeal.generateKeyPair()[1]);
        List<NewEnvelope> sealed = sealer.seal(new Delivery(List.of(new NewEnvelope(alice.device(), PAYLOAD),
                new NewEnvelope(org.parley.server.accounts.DeviceId.random(), PAYLOAD)))).envelopes();
        assertThat(sealed.get(0).payload().size()).isEqualTo(PAYLOAD.size() + MailboxSeal.OVERHEAD);
        assertThat(sealed.get(1).payload()).isEqualTo(ByteString.EMPTY);
        assertThat(sealer.openWindows()).isEqualTo(1);
    }

    private byte[] sealOne(Registration device) {
        return sealer.seal(new Delivery(List.of(new NewEnvelope(device.device(), PAYLOAD)))).envelopes().get(0).payload().toByteArray();
    }

    private Registration register(String name, byte[] mailboxKey) {
        byte[] identity = new byte[32];
        RANDOM.nextBytes(identity);
        return stores.accounts().register(Username.parse(name), identity, mailboxKey, null, null);
    }

    private static String enc(byte[] copy) {
        return java.util.HexFormat.of().formatHex(Arrays.copyOf(copy, MailboxSeal.KEY_BYTES));
    }
}
